from importlib import import_module
from importlib.util import find_spec

from django.apps import AppConfig, apps
from django.utils.translation import gettext_lazy as _

# Apps whose admin module is not loaded (see the note in settings.INSTALLED_APPS).
ADMIN_SKIP = {"leaflet"}


class EssConfig(AppConfig):
    name = "ess"
    verbose_name = _("Staff and roles")

    def ready(self) -> None:
        from ess import sessions

        sessions.connect_signals()
        for config in apps.get_app_configs():
            if config.label in ADMIN_SKIP:
                continue
            module = f"{config.name}.admin"
            if find_spec(module) is not None:
                import_module(module)
