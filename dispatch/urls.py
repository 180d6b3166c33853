from django.urls import include, path

urlpatterns = [
    path("console/", include("dispatch.console_urls")),
    path("responder/", include("dispatch.responder_urls")),
    path("dashboard/", include("dispatch.dashboard_urls")),
]
