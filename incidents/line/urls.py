from django.urls import path

from incidents.line import simulator, views

app_name = "line"

urlpatterns = [
    path("line/webhook/", views.webhook, name="webhook"),
    path("attachments/<int:pk>/", views.attachment, name="attachment"),
    path("dev/line/", simulator.page, name="simulator"),
    path("dev/line/send/", simulator.send, name="simulator-send"),
    path("dev/line/feed/", simulator.feed, name="simulator-feed"),
]
