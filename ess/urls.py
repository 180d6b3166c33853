from django.apps import apps
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from ess import metrics, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz/", views.healthz, name="healthz"),
    path("metrics", metrics.metrics, name="metrics"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # The second factor, each person's security page, the staff security page (ess.account_views).
    path("accounts/", include("ess.account_urls")),
    # The language switch works on the login page too.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),
    path("", include("incidents.urls")),
    path("", include("dispatch.urls")),
    path("console/", include("console.urls")),
    # The dispatch panel and its actions live under /console/ too; the console's case panel loads them.
    path("console/", include("console.dispatch_urls")),
    path("dashboard/", include("dashboard.urls")),
    path("referrals/", include("referrals.urls")),
    path("shifts/", include("shifts.urls")),
    path("drills/", include("drills.urls")),
    path("privacy/", include("privacy.urls")),
]

# The LINE phone simulator exists only where the demo app is installed (DEBUG or ESS_DEMO).
if apps.is_installed("demo"):
    urlpatterns.append(path("", include("demo.urls")))
