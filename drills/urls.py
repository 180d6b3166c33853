from django.urls import path

from drills import views

app_name = "drills"
urlpatterns = [
    path("", views.index, name="index"),
    path("banner/", views.banner, name="banner"),
    path("start/", views.start, name="start"),
    path("upload/", views.upload, name="upload"),
    path("scenarios/<str:key>", views.scenario_source, name="scenario"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/stop/", views.stop, name="stop"),
    path("<int:pk>/report/", views.report, name="report"),
    path("<int:pk>/cases.csv", views.cases_csv, name="cases_csv"),
]
