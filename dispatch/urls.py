from django.urls import include, path

from dispatch import views

console_patterns = ([path("", views.console, name="home")], "console")
responder_patterns = ([path("", views.responder_home, name="home")], "responder")
dashboard_patterns = ([path("", views.dashboard, name="home")], "dashboard")

urlpatterns = [
    path("console/", include(console_patterns)),
    path("responder/", include(responder_patterns)),
    path("dashboard/", include(dashboard_patterns)),
]
