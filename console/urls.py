from django.urls import path

from console import alerts
from console import views as console_views

app_name = "console"
urlpatterns = [
    path("", console_views.home, name="home"),
    path("queue/", console_views.queue, name="queue"),
    path("staff/", console_views.staff, name="staff"),
    path("alerts/", alerts.alert_settings, name="alerts"),
    path("hand-over/", console_views.hand_over_all, name="hand_over_all"),
    path("case/<int:pk>/", console_views.case_panel, name="case"),
    path("case/<int:pk>/reporter/", console_views.reveal_reporter, name="reveal_reporter"),
    path("case/<int:pk>/merge-preview/", console_views.merge_preview, name="merge_preview"),
    path("case/<int:pk>/<slug:action>/", console_views.case_action, name="act"),
]
