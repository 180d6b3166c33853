from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = _("Incidents")

    def ready(self) -> None:
        from ess import metrics, worker
        from incidents import metrics as incident_metrics
        from incidents.line import worker as line_worker

        # The LINE inbox, reporters' photos and the outbox, in one slice per round (incidents.line.worker).
        worker.register("line", line_worker.run_once, prepare=line_worker.prepare)
        metrics.register("incidents", incident_metrics.collect)
