from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """Demo data, the fake LINE platform and the phone simulator: installed only when DEBUG or ESS_DEMO is
    on (ess.settings), and imported by nothing else, so a production process has none of it."""

    name = "demo"
    verbose_name = _("Demo")
