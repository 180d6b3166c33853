from django.urls import path

from demo import simulator

app_name = "demo"

urlpatterns = [
    path("dev/line/", simulator.page, name="simulator"),
    path("dev/line/send/", simulator.send, name="simulator-send"),
    path("dev/line/feed/", simulator.feed, name="simulator-feed"),
]
