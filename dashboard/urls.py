from django.urls import path

from dashboard import views as dashboard_views

app_name = "dashboard"
urlpatterns = [
    path("", dashboard_views.dashboard, name="home"),
    path("cases/", dashboard_views.cases, name="cases"),
    path("cases.csv", dashboard_views.export_csv, name="export"),
    path("daily/", dashboard_views.daily, name="daily"),
]
