from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DrillsConfig(AppConfig):
    name = "drills"
    verbose_name = _("Drills")

    def ready(self):
        from drills import player
        from ess import worker

        # The player runs in the worker (docs/drills.md, "Where the player runs").
        worker.register("drills", player.play_due)
