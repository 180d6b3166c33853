"""Follow-up referrals (ส่งต่อ): after the emergency, a vulnerable person is handed to someone who follows up.

A referral belongs to one case and one owner agency, carries tasks with due dates and ends with an outcome.
It lives on after the case itself is closed. Every write goes through referrals.actions.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dispatch.models import Agency
from incidents.models import Incident


class ReferralKind(models.TextChoices):
    CASE_WORKER = "case_worker", _("Case workers of the provincial social development office (พมจ.)")
    VOLUNTEER = "volunteer", _("Community social-development volunteer (อพม.)")
    SHELTER = "shelter", _("Shelter")
    EDUCATION = "education", _("Education-equity referral (กสศ.) for a child out of school or at risk")


class Person(models.TextChoices):
    """Who is followed up: the vulnerability flags a case carries (Incident.flags)."""

    CHILD = "child", _("A child or young person")
    ELDERLY = "elderly", _("An elderly person")
    DISABLED = "disabled", _("A person with a disability")


class ReferralStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Outcome(models.TextChoices):
    SUPPORTED = "supported", _("Supported at home; the family is coping")
    SERVICES = "services", _("Linked to services (welfare, health, allowance)")
    SHELTERED = "sheltered", _("Placed in a shelter or with relatives")
    BACK_TO_SCHOOL = "back_to_school", _("Back in school / education support granted")
    MOVED = "moved", _("Moved away; referred to another province")
    NOT_REACHED = "not_reached", _("Could not be reached")
    DECLINED = "declined", _("Declined further help")


class TaskKind(models.TextChoices):
    HOME_VISIT = "home_visit", _("Home visit")
    SCHOOL_CONTACT = "school_contact", _("Contact the school")
    REVIEW = "review", _("Review")
    OTHER = "other", _("Other")


class ReferralQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status=ReferralStatus.OPEN)


class Referral(models.Model):
    incident = models.ForeignKey(Incident, verbose_name=_("case"), on_delete=models.PROTECT, related_name="referrals")
    kind = models.CharField(_("referred to"), max_length=20, choices=ReferralKind.choices)
    person = models.CharField(_("person followed up"), max_length=16, choices=Person.choices)
    owner_agency = models.ForeignKey(
        Agency, verbose_name=_("owner agency"), on_delete=models.PROTECT, related_name="referrals"
    )
    volunteer_name = models.CharField(
        _("volunteer"), max_length=200, blank=True, help_text=_("The อพม. who visits, when one is named.")
    )
    reason = models.TextField(_("why a follow-up is needed"))
    # Copied from the case when the referral is made: scoping reads it without a join.
    province_code = models.CharField(_("province"), max_length=2, blank=True, db_index=True)
    status = models.CharField(_("status"), max_length=8, choices=ReferralStatus.choices, default=ReferralStatus.OPEN)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    outcome_note = models.TextField(_("outcome note"), blank=True)
    reporter_told = models.BooleanField(_("reporter told"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("referred"), default=timezone.now)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    objects = ReferralQuerySet.as_manager()

    class Meta:
        verbose_name = _("follow-up referral")
        verbose_name_plural = _("follow-up referrals")
        ordering = ["-created_at", "-id"]
        constraints = [
            # One open referral of each kind per case: a second click does not make a second referral.
            models.UniqueConstraint(
                fields=["incident", "kind"], condition=Q(status="open"), name="one_open_referral_per_kind"
            )
        ]
        indexes = [models.Index(fields=["owner_agency", "status"], name="referral_owner_status_idx")]

    def __str__(self) -> str:
        return f"{self.incident} → {self.owner_agency} ({self.get_kind_display()})"

    @property
    def is_open(self) -> bool:
        return self.status == ReferralStatus.OPEN


class TaskQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(done_at=None, cancelled_at=None)

    def overdue(self, today=None):
        """Pending tasks whose due day (Asia/Bangkok) has passed."""
        return self.pending().filter(due_on__lt=today or timezone.localdate())


class FollowUpTask(models.Model):
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="tasks")
    kind = models.CharField(_("task"), max_length=20, choices=TaskKind.choices)
    due_on = models.DateField(_("due"))
    note = models.TextField(_("note"), blank=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    result = models.TextField(_("what was found"), blank=True)
    cancelled_at = models.DateTimeField(_("no longer needed"), null=True, blank=True)

    objects = TaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("follow-up task")
        verbose_name_plural = _("follow-up tasks")
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["due_on"], name="followup_task_due_idx", condition=Q(done_at=None))]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.due_on:%Y-%m-%d}"

    @property
    def is_pending(self) -> bool:
        return self.done_at is None and self.cancelled_at is None

    def is_overdue(self, today=None) -> bool:
        return self.is_pending and self.due_on < (today or timezone.localdate())
