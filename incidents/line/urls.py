from django.urls import path

from incidents.line import views

app_name = "line"

urlpatterns = [
    path("line/webhook/", views.webhook, name="webhook"),
    path("attachments/<int:pk>/", views.attachment, name="attachment"),
    path("line/failed/", views.failures_page, name="failures"),
    path("line/failed/alert/", views.failures_alert, name="failures_alert"),
    path("line/failed/<int:pk>/open/", views.failure_open_case, name="failure_open_case"),
    path("line/failed/<int:pk>/retry/", views.failure_retry, name="failure_retry"),
    path("line/messages/<int:pk>/resend/", views.message_resend, name="message_resend"),
]
