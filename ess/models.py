from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django.utils.translation import gettext_lazy as _

_CHOICE_LABELS: dict = {}


class ChoiceLabels:
    """A model mixin: `get_FOO_display()` from a dict built once per field, not on every call.

    Django rebuilds `dict(make_hashable(field.flatchoices))` each time, and hashing each (value, label)
    pair translates every lazy label: ≈ 65 µs a call for the categories. The queue renders four such
    labels a row, 200 rows: about a fifth of its render time (#16 item 3; page 106 → 90 ms median). The
    labels stay lazy in the dict, so each call still answers in the active language."""

    def _get_FIELD_display(self, field):
        labels = _CHOICE_LABELS.get(field)
        if labels is None:
            labels = _CHOICE_LABELS[field] = {make_hashable(value): label for value, label in field.flatchoices}
        value = getattr(self, field.attname)
        return force_str(labels.get(make_hashable(value), value), strings_only=True)


class Role(models.TextChoices):
    OPERATOR = "operator", _("Operator")
    SUPERVISOR = "supervisor", _("Supervisor")
    RESPONDER = "responder", _("Responder")
    ADMIN = "admin", _("Administrator")


class StaffProfile(models.Model):
    """What a member of staff may do and where.

    National reach is an explicit flag (`national`): an operator or supervisor without it sees only the
    cases of `province_codes`, and none when that is empty. Administrators reach everything by role.
    Responders' agency lives on dispatch.Responder, since agencies belong to dispatch.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    province_codes = models.JSONField(
        _("provinces"), default=list, blank=True, help_text=_("DOPA province codes this person works on.")
    )
    national = models.BooleanField(
        _("national"), default=False, help_text=_("Sees the cases of every province (e.g. the national 1300 centre).")
    )
    phone = models.CharField(_("phone"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")

    def __str__(self) -> str:
        return f"{self.user.get_username()} ({self.get_role_display()})"

    @property
    def is_national(self) -> bool:
        return self.national

    def covers_province(self, code: str | None) -> bool:
        return self.is_national or (code or "") in self.province_codes


class AccountEvent(models.Model):
    """The record of what was done to a member of staff's login: an unlock after a lockout, a reset of
    their two-factor authenticator. Append-only (docs/security.md); written by ess.accounts only."""

    class Kind(models.TextChoices):
        UNLOCK = "unlock", _("Login unlocked")
        TWO_FACTOR_RESET = "two_factor_reset", _("Two-factor reset")

    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    kind = models.CharField(_("what"), max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The names are kept as they were, so the record outlives a deleted or renamed account.
    actor_username = models.CharField(_("by (username)"), max_length=150, blank=True)
    target = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("account"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    target_username = models.CharField(_("account (username)"), max_length=150)
    via = models.CharField(_("through"), max_length=20)

    class Meta:
        verbose_name = _("account security event")
        verbose_name_plural = _("account security events")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.target_username} ({self.actor_username or self.via})"
