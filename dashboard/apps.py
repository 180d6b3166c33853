from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    name = "dashboard"
    verbose_name = _("Supervisor dashboard")

    def ready(self) -> None:
        from dashboard import rollups
        from ess import worker

        # Recompute the days whose cases changed (docs/dashboard-rollups.md): the rollups lag by about this.
        worker.register("dashboard_rollups", rollups.refresh, every=lambda: settings.DASHBOARD_ROLLUP_SECONDS)
