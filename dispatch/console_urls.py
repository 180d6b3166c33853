from django.urls import path

from dispatch import console_views

app_name = "console"
urlpatterns = [path("", console_views.console, name="home")]
