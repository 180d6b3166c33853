from django.urls import path

from incidents.line import views

app_name = "line"

urlpatterns = [
    path("line/webhook/", views.webhook, name="webhook"),
    path("attachments/<int:pk>/", views.attachment, name="attachment"),
]
