from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class DispatchConfig(AppConfig):
    name = "dispatch"
    verbose_name = _("Dispatch")

    def ready(self) -> None:
        from dispatch import deadlines
        from dispatch import metrics as dispatch_metrics
        from ess import metrics, worker

        worker.register(
            "deadlines",
            lambda now: len(deadlines.check_deadlines(now)),
            every=lambda: settings.DEADLINE_CHECK_SECONDS,
        )
        metrics.register("dispatch", dispatch_metrics.collect)
