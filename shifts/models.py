"""Shift rosters and the structured hand-over between shifts.

A roster entry says who works which shift, where: a province's staff or (province blank) the national
centre. "Staff on duty" on the dashboard is read from here, not guessed from who happens to be logged in.
A hand-over lists every open case the outgoing operator holds, each with a one-line status and what
happens to its claim (released to the queue, or handed to a named colleague); the incoming operator
acknowledges it. Every write goes through shifts.actions.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from incidents import geo
from incidents.models import Incident


class RosterEntry(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("staff"), on_delete=models.CASCADE, related_name="roster_entries"
    )
    province_code = models.CharField(
        _("province"), max_length=2, blank=True, db_index=True, help_text=_("Blank: the national centre.")
    )
    shift = models.CharField(_("shift"), max_length=40, help_text=_("E.g. morning, afternoon, night."))
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    imported_at = models.DateTimeField(_("imported"), default=timezone.now)

    class Meta:
        verbose_name = _("roster entry")
        verbose_name_plural = _("roster")
        ordering = ["starts_at", "province_code", "user_id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "starts_at"], name="roster_one_shift_start_per_user"),
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="roster_ends_after_start"
            ),
        ]
        indexes = [models.Index(fields=["starts_at", "ends_at"], name="roster_time_idx")]

    def __str__(self) -> str:
        return f"{self.user} {self.shift} {timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}"

    @property
    def place(self) -> str:
        return geo.province_name(self.province_code) if self.province_code else str(_("National centre"))


class Handover(models.Model):
    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("outgoing"), on_delete=models.PROTECT, related_name="handovers_given"
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("incoming"), on_delete=models.PROTECT, related_name="handovers_taken"
    )
    note = models.TextField(_("note for the next shift"), blank=True)
    created_at = models.DateTimeField(_("handed over"), default=timezone.now)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)

    class Meta:
        verbose_name = _("hand-over")
        verbose_name_plural = _("hand-overs")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.from_user} → {self.to_user} {timezone.localtime(self.created_at):%Y-%m-%d %H:%M}"

    @property
    def is_acknowledged(self) -> bool:
        return self.acknowledged_at is not None


class HandoverItem(models.Model):
    class Claim(models.TextChoices):
        RELEASED = "released", _("Released to the queue")
        HANDED = "handed", _("Handed to a colleague")

    handover = models.ForeignKey(Handover, on_delete=models.CASCADE, related_name="items")
    incident = models.ForeignKey(Incident, verbose_name=_("case"), on_delete=models.PROTECT, related_name="+")
    status_line = models.CharField(_("status in one line"), max_length=300)
    claim = models.CharField(_("claim"), max_length=10, choices=Claim.choices)
    handed_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("hand-over item")
        verbose_name_plural = _("hand-over items")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.incident}: {self.status_line}"
