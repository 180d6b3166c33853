from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ess.models import ChoiceLabels
from incidents import geo


class Category(models.TextChoices):
    """The five kinds of case ESS takes; the Thai translations are the ministry's own words (docs/design.md §1)."""

    THREAT = "threat", _("Threatened with harm, or being harmed")
    CONFINEMENT = "confinement", _("Held or confined against their will")
    SEXUAL_ABUSE_RISK = "sexual_abuse_risk", _("At risk of sexual abuse")
    DERANGED_PERSON = "deranged_person", _("A person in a frenzy causing harm")
    GANG_GATHERING = "gang_gathering", _("A gathering (gang, drugs) causing harm")
    UNSPECIFIED = "unspecified", _("Not yet known (location only)")


class Status(models.TextChoices):
    NEW = "new", _("New")
    TRIAGED = "triaged", _("Triaged")
    DISPATCHED = "dispatched", _("Dispatched")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    EN_ROUTE = "en_route", _("En route")
    ON_SCENE = "on_scene", _("On scene")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    DUPLICATE = "duplicate", _("Duplicate")
    FALSE_REPORT = "false_report", _("False report")
    REFERRED = "referred", _("Referred")
    CANCELLED = "cancelled", _("Cancelled by reporter")


class Priority(models.IntegerChoices):
    P1 = 1, _("P1 — life in danger now")
    P2 = 2, _("P2 — urgent")
    P3 = 3, _("P3 — standard")


class Hotline(models.TextChoices):
    POLICE_191 = "191", _("191 Police")
    MEDICAL_1669 = "1669", _("1669 Medical emergency")
    SOCIAL_1300 = "1300", _("1300 Social assistance hotline")


class Language(models.TextChoices):
    THAI = "th", _("Thai")
    ENGLISH = "en", _("English")


class Reporter(ChoiceLabels, models.Model):
    """A citizen who reports through LINE. Identity is shown only to roles that need it (docs/design.md §4b)."""

    line_user_id = models.CharField(_("LINE user id"), max_length=64, unique=True, null=True, blank=True)
    display_name = models.CharField(_("display name"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    language = models.CharField(_("language"), max_length=8, choices=Language.choices, default=Language.THAI)
    is_reachable = models.BooleanField(
        _("reachable on LINE"), default=True, help_text=_("False after the reporter blocked the OA.")
    )
    unreachable_since = models.DateTimeField(_("unreachable since"), null=True, blank=True)
    safe_contact_only = models.BooleanField(
        _("safe contact only when they write first"),
        default=False,
        help_text=_("No pushes; every outbound text is neutral."),
    )
    false_report_count = models.PositiveIntegerField(_("false reports"), default=0)
    # A reporter played by a drill (#17): created by the intake from a body addressed to the drill
    # destination; their cases are drill cases and nothing is ever sent to them on LINE.
    is_drill = models.BooleanField(_("drill"), default=False)
    # The conversation step the LINE bot is at with this reporter (see incidents.line).
    conversation_state = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("first contact"), default=timezone.now)
    last_seen_at = models.DateTimeField(_("last message"), null=True, blank=True)
    # Set when retention or an erasure request replaced the identity and free text with a marker
    # (privacy.retention); the row stays so the dashboard's figures keep their reporter counts.
    anonymised_at = models.DateTimeField(_("anonymised"), null=True, blank=True)

    class Meta:
        verbose_name = _("reporter")
        verbose_name_plural = _("reporters")

    def __str__(self) -> str:
        # Never the name or the LINE id: str() ends up in admin lists, logs and error pages.
        return f"reporter {self.pk}"


class IncidentQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def real(self):
        """Everything but drill cases (#17): every figure, export and outbound message counts only these."""
        return self.filter(is_drill=False)

    def in_provinces(self, codes: list[str] | None):
        """None means national reach (no filter)."""
        return self if codes is None else self.filter(province_code__in=codes)


class Incident(ChoiceLabels, models.Model):
    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    category = models.CharField(_("category"), max_length=32, choices=Category.choices, default=Category.UNSPECIFIED)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.NEW)
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices, default=Priority.P2)

    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    outside_thailand = models.BooleanField(_("pin outside Thailand"), default=False)
    address = models.TextField(_("address"), blank=True, help_text=_("As the reporter's LINE pin gave it."))
    province_code = models.CharField(_("province"), max_length=2, blank=True, db_index=True)
    district_code = models.CharField(_("district"), max_length=4, blank=True)
    description = models.TextField(_("description"), blank=True)
    # Triage flags that change routing: child, elderly, disabled, weapon, ongoing …
    flags = models.JSONField(_("flags"), default=dict, blank=True)

    reporter = models.ForeignKey(
        Reporter,
        verbose_name=_("reporter"),
        null=True,
        blank=True,
        # A reporter can be erased on request (privacy.subject): the case stays, without who reported it.
        on_delete=models.SET_NULL,
        related_name="incidents",
    )
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("duplicate of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duplicates",
    )
    referred_to = models.CharField(_("referred to"), max_length=8, choices=Hotline.choices, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    # A supervisor's legal hold (privacy.holds): retention and erasure leave the case's photos and its
    # reporter alone while it is set.
    legal_hold = models.BooleanField(_("legal hold"), default=False)
    # A case played by a drill (training mode, #17): worked like any case, never counted in a real
    # figure and never messaged to a real reporter or agency.
    is_drill = models.BooleanField(_("drill"), default=False, db_index=True)
    legal_hold_reason = models.TextField(_("legal hold reason"), blank=True)

    # An operator's claim (docs/design.md §4c): visible to all, expires when they go away.
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("claimed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="claimed_incidents",
    )
    claim_expires_at = models.DateTimeField(_("claim expires"), null=True, blank=True)

    # Milestones: each is set once, by the transition that reaches it (incidents.lifecycle).
    received_at = models.DateTimeField(_("received"), default=timezone.now, db_index=True)
    triaged_at = models.DateTimeField(_("triaged"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("dispatched"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    en_route_at = models.DateTimeField(_("en route"), null=True, blank=True)
    on_scene_at = models.DateTimeField(_("on scene"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # Bumped by every domain write: a stale form (an old version) is refused, never half-applied.
    version = models.PositiveIntegerField(default=1)

    objects = IncidentQuerySet.as_manager()

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["-received_at"]
        indexes = [
            models.Index(fields=["status", "priority", "received_at"], name="incident_queue_idx"),
            models.Index(fields=["province_code", "received_at"], name="incident_province_time_idx"),
            # The dashboard's backlog (open cases by age, the oldest unclaimed): open cases are few and
            # recent, so without this the database walks a year of closed cases to find them.
            models.Index(
                fields=["received_at"],
                name="incident_open_received_idx",
                condition=models.Q(status__in=["new", "triaged", "dispatched", "acknowledged", "en_route", "on_scene"]),
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def province_name(self) -> str:
        return geo.province_name(self.province_code)

    @property
    def district_name(self) -> str:
        return geo.district_name(self.district_code)

    def claim_is_active(self, now=None) -> bool:
        now = now or timezone.now()
        return bool(self.claimed_by_id and self.claim_expires_at and self.claim_expires_at > now)


OPEN_STATUSES = (
    Status.NEW,
    Status.TRIAGED,
    Status.DISPATCHED,
    Status.ACKNOWLEDGED,
    Status.EN_ROUTE,
    Status.ON_SCENE,
)


class ReferenceCounter(models.Model):
    """The last case number used in a Buddhist-era year; incremented under a lock (incidents.references)."""

    year = models.PositiveIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("reference counter")

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"


class Message(ChoiceLabels, models.Model):
    """One message of the conversation with a reporter, either way."""

    class Direction(models.TextChoices):
        IN = "in", _("From reporter")
        OUT = "out", _("To reporter")

    class Kind(models.TextChoices):
        TEXT = "text", _("Text")
        IMAGE = "image", _("Photo")
        LOCATION = "location", _("Location")
        STICKER = "sticker", _("Sticker")
        AUDIO = "audio", _("Audio")
        VIDEO = "video", _("Video")
        FILE = "file", _("File")
        POSTBACK = "postback", _("Button")
        OTHER = "other", _("Other")

    class Delivery(models.TextChoices):
        RECEIVED = "received", _("Received")
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        WITHHELD = "withheld", _("Withheld (safe contact)")
        # The reply reached LINE but its answer did not come back: perhaps delivered. Never sent again by
        # itself (a push would double it); an operator may resend (incidents.line.outbox.resend).
        UNCERTAIN = "uncertain", _("Delivery uncertain")
        # A drill reporter's message (#17): recorded as the reply, never sent to LINE.
        DRILL = "drill", _("Drill: not sent to LINE")

    reporter = models.ForeignKey(Reporter, on_delete=models.CASCADE, related_name="messages")
    incident = models.ForeignKey(Incident, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages")
    direction = models.CharField(max_length=3, choices=Direction.choices)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.TEXT)
    text = models.TextField(blank=True)
    payload = models.JSONField(default=dict, blank=True)
    line_message_id = models.CharField(max_length=64, blank=True, db_index=True)
    webhook_event_id = models.CharField(max_length=64, blank=True)
    delivery = models.CharField(max_length=16, choices=Delivery.choices, default=Delivery.RECEIVED)
    error = models.TextField(blank=True)
    # Outbox (incidents.line.outbox): outbound messages queued together share one retry key, are sent
    # in one request (reply with the token while it is fresh, else push with X-Line-Retry-Key).
    reply_token = models.CharField(max_length=256, blank=True)
    reply_deadline = models.DateTimeField(null=True, blank=True)
    retry_key = models.UUIDField(null=True, blank=True, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["delivery", "next_attempt_at"], name="message_outbox_idx"),
            # The worker asks every round for the photos still to download (incidents.line.media.pending):
            # without it, a scan of every message ever received, each round (#16).
            models.Index(
                fields=["id"],
                name="message_photo_pending_idx",
                condition=models.Q(direction="in", kind="image", payload__content="pending"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()}: {self.get_kind_display()} {self.text[:40]}"


def attachment_path(instance: "Attachment", filename: str) -> str:
    day = timezone.localdate()
    return f"attachments/{day:%Y/%m}/{instance.incident_id or 'unlinked'}/{filename}"


class Attachment(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    file = models.FileField(upload_to=attachment_path)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.file.name


class EventKind(models.TextChoices):
    """Every kind of timeline event. Each one's one-line description is in incidents.timeline (the kinds
    of the LINE intake and the console's claim/triage actions there, the agencies' in dispatch.timeline)."""

    # The case and its reporter (incidents)
    CREATED = "created", _("case opened")
    STATUS = "status", _("status changed")
    CATEGORY = "category", _("category set by the reporter")
    LOCATION = "location", _("new location")
    MESSAGE = "message", _("message")
    ATTACHMENT = "attachment", _("photo or file")
    REPORTER_UNREACHABLE = "reporter_unreachable", _("reporter blocked the LINE account")
    REPORTER_REACHABLE = "reporter_reachable", _("reporter follows the LINE account again")
    DELIVERY_FAILED = "delivery_failed", _("message not delivered")
    DELIVERY_UNCERTAIN = "delivery_uncertain", _("delivery uncertain")
    DELIVERY_RESENT = "delivery_resent", _("reply sent again")
    PLACE_WORDS = "place_words", _("place written by the reporter")
    SAFE_CONTACT = "safe_contact", _("safe contact changed")
    # The operators' work (incidents.triage)
    CLAIMED = "claimed", _("claimed")
    RELEASED = "released", _("claim released")
    CLAIM_TAKEN_OVER = "claim_taken_over", _("claim taken over")
    HANDED_OVER = "handed_over", _("claim handed over")
    TRIAGE = "triage", _("triage")
    NOTE = "note", _("internal note")
    DUPLICATE_MERGED = "duplicate_merged", _("duplicate merged in")
    MERGE_UNDONE = "merge_undone", _("merge undone")
    IDENTITY_VIEWED = "identity_viewed", _("reporter identity viewed")
    IDENTITY_EXPORTED = "identity_exported", _("reporter identity exported")
    OPENED = "opened", _("opened on the console")
    FLAGS = "flags", _("who is involved")
    # Follow-up after the emergency (referrals)
    REFERRAL_MADE = "referral_made", _("referred for follow-up")
    REFERRAL_TASK_ADDED = "referral_task_added", _("follow-up task added")
    REFERRAL_TASK_DONE = "referral_task_done", _("follow-up task done")
    REFERRAL_CLOSED = "referral_closed", _("follow-up closed")
    # Privacy (privacy.holds, privacy.retention)
    LEGAL_HOLD = "legal_hold", _("legal hold")
    MEDIA_PURGED = "media_purged", _("photos deleted")
    ANONYMISED = "anonymised", _("reporter anonymised")
    # The agencies (dispatch)
    ASSIGNED = "assigned", _("agency assigned")
    ASSIGNMENT = "assignment", _("assignment moved")
    REASSIGNED = "reassigned", _("assignment handed on")
    RESPONDER_CHANGED = "responder_changed", _("responder changed")
    STAND_DOWN = "stand_down", _("agency stood down")
    DISPATCH_ALERT = "dispatch_alert", _("dispatch alert")
    REPORTER_UPDATE = "reporter_update", _("reporter told of progress")


class IncidentEvent(models.Model):
    """The append-only timeline. Every change to a case writes one; ids increase, so a console that
    lost its websocket asks for everything after the last id it saw."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=40, choices=EventKind.choices)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("timeline event")
        verbose_name_plural = _("timeline events")
        ordering = ["id"]
        # The dashboard counts cases that left the queue in the last hour from the timeline.
        indexes = [models.Index(fields=["created_at"], name="incident_event_created_idx")]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.kind}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Timeline events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Timeline events are append-only.")


from incidents.line.models import LineEvent  # noqa: E402  (the LINE inbox is a model of this app)

__all__ = ["LineEvent"]
