from django.urls import path

from ess import account_views as views

app_name = "accounts"
urlpatterns = [
    path("two-factor/", views.two_factor_verify, name="two_factor"),
    path("two-factor/setup/", views.two_factor_setup, name="two_factor_setup"),
    path("security/", views.security, name="security"),
    path("security/recovery-codes/", views.recovery_codes, name="recovery_codes"),
    path("staff/", views.staff, name="staff"),
    path("staff/unlock/", views.unlock, name="unlock"),
    path("staff/reset-two-factor/", views.reset_two_factor, name="reset_two_factor"),
]
