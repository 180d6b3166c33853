from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "privacy"
    verbose_name = _("Privacy")

    def ready(self) -> None:
        from ess import worker
        from privacy import retention

        # Retention (docs/privacy.md): purges and anonymisation; hourly is plenty for rules counted in days.
        worker.register("retention", retention.run_job, every=lambda: settings.RETENTION_CHECK_SECONDS)
