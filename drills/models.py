"""Drills (#17): scenarios uploaded by an administrator, drills played from them, and their after-action
reports. The drill's cases are ordinary `Incident`s with `is_drill` set by the intake (docs/drills.md)."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UploadedScenario(models.Model):
    """A scenario file an administrator uploaded (the shipped ones are files in drills/scenarios/).
    Only files that passed `drills.scenarios.parse` are kept; `source` is the file as uploaded."""

    name = models.CharField(_("file name"), max_length=120, unique=True)
    title = models.CharField(_("title"), max_length=200)
    category = models.CharField(_("category"), max_length=32)
    source = models.TextField(_("file"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        verbose_name = _("drill scenario")
        verbose_name_plural = _("drill scenarios")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


def new_token() -> str:
    return uuid.uuid4().hex[:12]


class Drill(models.Model):
    class State(models.TextChoices):
        RUNNING = "running", _("Running")
        FINISHED = "finished", _("Finished")
        STOPPED = "stopped", _("Stopped")

    # Short and random: it names the drill's reporters (drills.player.user_id), never guessable from the pk.
    token = models.CharField(max_length=12, unique=True, default=new_token)
    scenario_name = models.CharField(_("scenario"), max_length=120)
    title = models.CharField(_("title"), max_length=200)
    category = models.CharField(_("category"), max_length=32)
    # The scenario as it was parsed when the drill started (drills.scenarios.Scenario.as_json).
    script = models.JSONField()
    province_code = models.CharField(_("province"), max_length=2, blank=True, help_text=_("Empty: national"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.RUNNING, db_index=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("started by")
    )
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    stopped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The player's place in the script: the index of the next step and when it is due.
    next_step = models.PositiveIntegerField(default=0)
    next_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # What the player sent: [{"step": i, "at": iso, "event": webhookEventId, "status": http status}].
    played = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("drill")
        verbose_name_plural = _("drills")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"drill {self.pk} {self.title}"

    @property
    def is_running(self) -> bool:
        return self.state == self.State.RUNNING

    @property
    def province_label(self) -> str:
        from incidents import geo

        return geo.province_name(self.province_code) if self.province_code else str(_("national"))


class AfterActionReport(models.Model):
    """The after-action report, built once when the drill ends and kept as it was (later work on the
    drill's cases does not change it)."""

    drill = models.OneToOneField(Drill, on_delete=models.CASCADE, related_name="report")
    built_at = models.DateTimeField(default=timezone.now)
    data = models.JSONField()

    class Meta:
        verbose_name = _("after-action report")
        verbose_name_plural = _("after-action reports")

    def __str__(self) -> str:
        return f"report of {self.drill}"
