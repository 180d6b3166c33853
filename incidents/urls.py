from django.urls import include, path

urlpatterns: list = [
    path("", include("incidents.line.urls")),
]
