"""The durable inbox: every webhook event LINE delivered, stored before the webhook answers.

Imported by incidents.models, so these are models of the `incidents` app.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class LineEvent(models.Model):
    """One LINE webhook event. Unique on LINE's `webhookEventId`, so a redelivery is a no-op."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting to be processed")
        DONE = "done", _("Processed")
        FAILED = "failed", _("Failed (gave up)")

    webhook_event_id = models.CharField(max_length=64, unique=True)
    kind = models.CharField(max_length=32)
    # The LINE user the event comes from; empty for events without a user (e.g. some group events).
    user_id = models.CharField(max_length=64, blank=True)
    # LINE's `timestamp` (milliseconds since the epoch): the order events are processed in.
    timestamp = models.BigIntegerField()
    payload = models.JSONField()
    is_redelivery = models.BooleanField(default=False)
    # From a body addressed to LINE_DRILL_DESTINATION (the drill player, #17), never from LINE.
    is_drill = models.BooleanField(default=False)
    received_at = models.DateTimeField(default=timezone.now)
    state = models.CharField(max_length=8, choices=State.choices, default=State.PENDING)
    processed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    # A failed event is a report nobody may lose (incidents.line.failures): it stays on the console until
    # someone opens a case from it (or it is retried and goes through).
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    incident = models.ForeignKey(
        "incidents.Incident", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("LINE event")
        verbose_name_plural = _("LINE events")
        indexes = [models.Index(fields=["state", "user_id", "timestamp"], name="lineevent_pending_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.webhook_event_id}"
