from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class DispatchConfig(AppConfig):
    name = "dispatch"
    verbose_name = _("Dispatch")

    def ready(self) -> None:
        from dispatch import assignments, deadlines
        from dispatch import metrics as dispatch_metrics
        from dispatch import timeline as _timeline  # noqa: F401 (registers the agencies' timeline lines)
        from ess import metrics, worker
        from incidents import actions

        # Whatever takes a case out of the dispatch flow (the reporter cancelling on LINE included), the
        # agencies on it are stood down in the same transaction. See docs/architecture.md.
        actions.on_left_dispatch(assignments.on_left_dispatch)

        worker.register(
            "deadlines",
            lambda now: len(deadlines.check_deadlines(now)),
            every=lambda: settings.DEADLINE_CHECK_SECONDS,
        )
        metrics.register("dispatch", dispatch_metrics.collect)
