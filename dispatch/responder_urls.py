from django.urls import path

from dispatch import responder_views

app_name = "responder"
urlpatterns = [
    path("", responder_views.responder_home, name="home"),
    path("assignments/", responder_views.assignment_list, name="assignments"),
    path("assignments/<int:pk>/<slug:to_status>/", responder_views.step, name="step"),
    path("photos/<int:pk>/", responder_views.photo, name="photo"),
    path("position/", responder_views.position, name="position"),
    path("duty/", responder_views.duty, name="duty"),
    path("manifest.webmanifest", responder_views.manifest, name="manifest"),
    path("sw.js", responder_views.service_worker, name="service_worker"),
]
