from django.urls import include, path

urlpatterns = [
    path("responder/", include("dispatch.responder_urls")),
]
