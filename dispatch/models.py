from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ess.models import ChoiceLabels
from incidents import geo
from incidents.models import Category, Incident


class AgencyKind(models.TextChoices):
    POLICE = "police", _("Police station / 191 centre")
    PROVINCIAL_MSDHS = "pmj", _("Provincial social development office (พมจ.)")
    HOTLINE_1300 = "oscc_1300", _("1300 social assistance centre (OSCC 1300)")
    SHELTER = "shelter", _("Shelter for children and families")
    HOSPITAL_OSCC = "hospital_oscc", _("Hospital crisis centre (ศูนย์พึ่งได้)")


class Agency(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("name in English"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=AgencyKind.choices)
    province_code = models.CharField(_("province"), max_length=2, help_text=_("Where the agency sits."))
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_national = models.BooleanField(
        _("national"),
        default=False,
        help_text=_(
            "Takes cases from every province (the national 1300 centre). Others take only the cases of "
            "the areas they cover."
        ),
    )

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["province_code", "kind", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def province_name(self) -> str:
        return geo.province_name(self.province_code)

    def covers(self, incident: Incident) -> bool:
        """May this agency be sent to the case: national, or one of its areas holds the case's district
        (or its whole province)."""
        if self.is_national:
            return True
        if not incident.province_code:
            return False
        return self.areas.filter(
            Q(district_code="") | Q(district_code=incident.district_code or "-"), province_code=incident.province_code
        ).exists()


class AgencyArea(models.Model):
    """A province (whole, when district is blank) or one district an agency covers."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="areas")
    province_code = models.CharField(_("province"), max_length=2, db_index=True)
    district_code = models.CharField(_("district"), max_length=4, blank=True)

    class Meta:
        verbose_name = _("area covered")
        verbose_name_plural = _("areas covered")
        constraints = [
            models.UniqueConstraint(fields=["agency", "province_code", "district_code"], name="agency_area_unique")
        ]

    def __str__(self) -> str:
        return geo.district_name(self.district_code) or geo.province_name(self.province_code)


class Responder(models.Model):
    """A member of an agency's staff who goes to the scene or takes the case on."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="responder")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="responders")
    on_duty = models.BooleanField(_("on duty"), default=False)
    last_latitude = models.FloatField(_("last latitude"), null=True, blank=True)
    last_longitude = models.FloatField(_("last longitude"), null=True, blank=True)
    last_position_at = models.DateTimeField(_("position reported"), null=True, blank=True)

    class Meta:
        verbose_name = _("responder")
        verbose_name_plural = _("responders")

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.get_username()

    def report_position(self, latitude: float, longitude: float, now=None) -> None:
        """Store where the phone says the responder is (recommendation measures from here)."""
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise ValueError("latitude/longitude out of range")
        self.last_latitude, self.last_longitude = latitude, longitude
        self.last_position_at = now or timezone.now()
        self.save(update_fields=["last_latitude", "last_longitude", "last_position_at"])


class AssignmentStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for acknowledgement")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    EN_ROUTE = "en_route", _("En route")
    ON_SCENE = "on_scene", _("On scene")
    COMPLETED = "completed", _("Completed")
    DECLINED = "declined", _("Declined")
    CANCELLED = "cancelled", _("Cancelled")


ACTIVE_ASSIGNMENT_STATUSES = (
    AssignmentStatus.PENDING,
    AssignmentStatus.ACKNOWLEDGED,
    AssignmentStatus.EN_ROUTE,
    AssignmentStatus.ON_SCENE,
)


class Assignment(ChoiceLabels, models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="assignments")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="assignments")
    responder = models.ForeignKey(
        Responder, null=True, blank=True, on_delete=models.SET_NULL, related_name="assignments"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=AssignmentStatus.choices, default=AssignmentStatus.PENDING
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assigned_at = models.DateTimeField(_("assigned"), default=timezone.now)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    en_route_at = models.DateTimeField(_("en route"), null=True, blank=True)
    on_scene_at = models.DateTimeField(_("on scene"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    ended_at = models.DateTimeField(_("declined or cancelled"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True, help_text=_("Why it was declined or cancelled."))
    outcome = models.TextField(_("outcome"), blank=True)
    # 0: in time; 1: missed the acknowledgement deadline; 2: missed the second one (dispatch.deadlines).
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    escalated_at = models.DateTimeField(_("last escalated"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["assigned_at", "id"]
        constraints = [
            # One live assignment per agency per case; a declined one may be followed by a new one.
            models.UniqueConstraint(
                fields=["incident", "agency"],
                condition=Q(status__in=["pending", "acknowledged", "en_route", "on_scene"]),
                name="one_active_assignment_per_agency",
            )
        ]
        indexes = [
            models.Index(fields=["agency", "status"], name="assignment_agency_status_idx"),
            # The dashboard's per-agency times read a period's assignments by time.
            models.Index(fields=["assigned_at"], name="assignment_assigned_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.incident} → {self.agency}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_ASSIGNMENT_STATUSES


class Presence(models.Model):
    """One open console or responder websocket. Written on connect, refreshed by heartbeats, removed on
    disconnect; rows not refreshed for PRESENCE_TTL are stale (a process that died never said goodbye).
    Kept in the database so every daphne process sees the same staff on hand."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="presences")
    channel_name = models.CharField(max_length=200, unique=True)
    screen = models.CharField(max_length=20, default="console")
    connected_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("online session")
        verbose_name_plural = _("online sessions")

    def __str__(self) -> str:
        return f"{self.user_id} on {self.screen}"


class RoutingRule(models.Model):
    """Which agency kind a case needs, kept as data an administrator edits (dispatch.routing reads it).

    A rule matches a case when its category is blank or equal to the case's, and its flag is blank or set
    on the case (a triage flag such as "child"). The kinds a case needs are the union of all matches.
    """

    category = models.CharField(
        _("category"),
        max_length=32,
        blank=True,
        choices=Category.choices,
        help_text=_("Blank: any category."),
    )
    flag = models.CharField(
        _("flag"),
        max_length=32,
        blank=True,
        help_text=_("Blank: whatever the flags. E.g. child, injured."),
    )
    agency_kind = models.CharField(_("agency kind"), max_length=20, choices=AgencyKind.choices)
    why = models.CharField(_("why"), max_length=300, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        ordering = ["category", "flag", "agency_kind"]
        constraints = [models.UniqueConstraint(fields=["category", "flag", "agency_kind"], name="routing_rule_unique")]

    def __str__(self) -> str:
        when = " + ".join(filter(None, [self.get_category_display() if self.category else "", self.flag]))
        return f"{when or _('any case')} → {self.get_agency_kind_display()}"

    def matches(self, category: str, flags: dict) -> bool:
        return (not self.category or self.category == category) and (not self.flag or bool(flags.get(self.flag)))
