from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = _("Follow-up referrals")

    def ready(self):
        from referrals import timeline  # noqa: F401 (registers the follow-up timeline lines)
