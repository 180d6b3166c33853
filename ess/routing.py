"""Websocket routes. Each app adds its consumers here."""

from django.urls import path

from dispatch.consumers import ConsoleConsumer

websocket_urlpatterns: list = [
    path("ws/console/", ConsoleConsumer.as_asgi()),
]
