from django.urls import path

from dispatch import responder_views

app_name = "responder"
urlpatterns = [path("", responder_views.responder_home, name="home")]
