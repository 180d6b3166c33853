"""Websocket routes. Each app adds its consumers here."""

from django.urls import path

from console.consumers import ConsoleConsumer
from dispatch.responder_consumers import ResponderConsumer

websocket_urlpatterns: list = [
    path("ws/console/", ConsoleConsumer.as_asgi()),
    path("ws/responder/", ResponderConsumer.as_asgi()),
]
