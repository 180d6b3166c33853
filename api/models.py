"""API tokens, the log of calls made with them, and stored answers to idempotent POSTs.

A token acts through its own service account (`ApiToken.account`): a user with no usable password whose
StaffProfile (role, provinces) and, for a responder token, Responder (agency) are written from the token
(api.tokens). So every permission rule — ess.roles, dispatch.scoping, and the checks inside the domain
functions, which take a user as the actor and record it on the timeline — applies to a token unchanged.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ess.models import Role


class ApiToken(models.Model):
    name = models.CharField(
        _("name"), max_length=100, unique=True, help_text=_("Who uses it, e.g. “191 centre Chiang Mai — CAD link”.")
    )
    # The secret is shown once, at creation; only its SHA-256 is kept. The prefix finds the row.
    prefix = models.CharField(_("prefix"), max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    province_codes = models.JSONField(
        _("provinces"), default=list, blank=True, help_text=_("DOPA province codes; empty means national.")
    )
    agency = models.ForeignKey(
        "dispatch.Agency",
        verbose_name=_("agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="api_tokens",
        help_text=_("Responder tokens only: the agency whose assignments it sees."),
    )
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_token", editable=False
    )
    rate_limit_per_minute = models.PositiveIntegerField(
        _("calls per minute"), null=True, blank=True, help_text=_("Empty: the site default.")
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class ApiCall(models.Model):
    """One call to /api/: who (token name or staff username), what, the answer, and whether reporter
    identity was in it (docs/design.md §4b: every view of it is logged)."""

    token = models.ForeignKey(ApiToken, null=True, blank=True, on_delete=models.SET_NULL, related_name="calls")
    token_name = models.CharField(_("token"), max_length=100, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=500)
    status = models.PositiveSmallIntegerField()
    duration_ms = models.PositiveIntegerField(default=0)
    reporter_identity_shown = models.BooleanField(_("reporter identity shown"), default=False)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("API call")
        verbose_name_plural = _("API calls")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.token_name or self.user_id} {self.method} {self.path} {self.status}"


class IdempotentRequest(models.Model):
    """The answer given to a POST that carried an `Idempotency-Key`, per caller and key: a retry gets it
    back instead of acting twice. `status` 0 means the first request is still running."""

    account = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of method, path and body.")
    status = models.PositiveSmallIntegerField(default=0)
    body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("idempotent request")
        verbose_name_plural = _("idempotent requests")
        constraints = [models.UniqueConstraint(fields=["account", "key"], name="idempotency_key_per_account")]

    def __str__(self) -> str:
        return f"{self.account_id}:{self.key}"
