"""What the privacy app keeps: the access log of personal-data reads, and the salted fingerprints that
let a prankster's false-report count outlive the anonymisation of their record (docs/privacy.md).

Neither model points at a case or a reporter with a foreign key: the log must outlive what it speaks
of (an erased reporter, a purged photo), and this module sits below `incidents` in the layers."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AppendOnly(Exception):
    pass


class Field(models.TextChoices):
    """Which personal data was read."""

    IDENTITY = "identity", _("Identity (name, LINE id, phone)")
    CONVERSATION = "conversation", _("Case and conversation")
    PHOTO = "photo", _("Photo")
    THUMBNAIL = "thumbnail", _("Photo thumbnail")
    RECORD = "record", _("Reporter record (admin)")
    PAYLOAD = "payload", _("Raw LINE event (admin)")
    EXPORT = "export", _("Export with identity")
    SUBJECT_EXPORT = "subject_export", _("Data-subject export")
    # A search in the console found the case by what the reporter wrote (a search found by name or phone
    # is logged as IDENTITY: it tied the case to that person). Never the words searched for.
    SEARCH = "search", _("Found by a search")


class AccessLogQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnly("The access log is append-only.")

    def delete(self):
        raise AppendOnly("The access log is append-only.")

    def visible_to(self, scope: list[str] | None):
        """None: national reach (everything)."""
        return self if scope is None else self.filter(province_code__in=scope)


class AccessLog(models.Model):
    """One read of a reporter's personal data: who, when, which case/reporter, which field, which route.
    Append-only: no update, no delete (the admin has neither); see privacy.access.record()."""

    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    # SET_NULL keeps the entry when a staff account is removed; `username` keeps who it was.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("who"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    username = models.CharField(_("username"), max_length=150, blank=True)
    role = models.CharField(_("role"), max_length=16, blank=True)
    token = models.CharField(_("API token"), max_length=100, blank=True)
    field = models.CharField(_("what"), max_length=20, choices=Field.choices)
    route = models.CharField(_("route"), max_length=100)
    incident_id = models.BigIntegerField(_("case id"), null=True, blank=True)
    reference = models.CharField(_("case"), max_length=20, blank=True, db_index=True)
    province_code = models.CharField(_("province"), max_length=2, blank=True)
    reporter_id = models.BigIntegerField(_("reporter id"), null=True, blank=True, db_index=True)
    attachment_id = models.BigIntegerField(_("attachment id"), null=True, blank=True)

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("personal-data access")
        verbose_name_plural = _("personal-data access log")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["province_code", "at"], name="accesslog_province_at_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.field} {self.reference or self.reporter_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnly("The access log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("The access log is append-only.")


class StrikeFingerprint(models.Model):
    """A LINE user id's salted hash and its false-report count, written when a reporter with strikes is
    anonymised or erased, so that the same LINE account coming back is still recognised as a repeat
    prankster (the count is shown again; the report is never hidden). Holds no readable identity."""

    fingerprint = models.CharField(max_length=64, unique=True)
    false_report_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("false-report fingerprint")
        verbose_name_plural = _("false-report fingerprints")

    def __str__(self) -> str:
        return f"{self.fingerprint[:12]}… ({self.false_report_count})"


class SubjectRequest(models.Model):
    """A data-subject request answered (PDPA ss. 30, 33): an export of everything held about a reporter,
    or their erasure, with who did it, why and for which cases. Kept after the reporter is gone."""

    class Kind(models.TextChoices):
        EXPORT = "export", _("Export (access request)")
        ERASE = "erase", _("Erasure")

    at = models.DateTimeField(_("when"), default=timezone.now)
    kind = models.CharField(_("request"), max_length=8, choices=Kind.choices)
    reporter_id = models.BigIntegerField(_("reporter id"))
    references = models.JSONField(_("cases"), default=list)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("who"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    username = models.CharField(_("username"), max_length=150, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("data-subject request")
        verbose_name_plural = _("data-subject requests")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d} {self.kind} reporter {self.reporter_id}"
