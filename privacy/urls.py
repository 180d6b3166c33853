from django.urls import path

from privacy import views

app_name = "privacy"
urlpatterns = [
    path("access/", views.access_log, name="access_log"),
    path("access.csv", views.access_log_csv, name="access_log_csv"),
    path("holds/", views.legal_holds, name="legal_holds"),
]
