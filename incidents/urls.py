from django.urls import include, path

from incidents import views

urlpatterns: list = [
    path("", include("incidents.line.urls")),
    path("privacy/", views.privacy_notice, name="privacy"),
]
