from django.urls import include, path

urlpatterns = [
    path("console/", include("dispatch.console_urls")),
    # The dispatch panel and its actions live under /console/ too; the console's case panel loads them.
    path("console/", include("dispatch.dispatch_urls")),
    path("responder/", include("dispatch.responder_urls")),
    path("dashboard/", include("dispatch.dashboard_urls")),
]
