from django.urls import path

from dispatch import dashboard_views

app_name = "dashboard"
urlpatterns = [path("", dashboard_views.dashboard, name="home")]
