"""What the dashboard keeps: the audit trail of case exports."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ExportRecord(models.Model):
    """Who exported which case list, when, and whether it carried reporters' identity (docs/design.md §4b).
    An export with identity also writes an "identity_exported" timeline event on each case in it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    role = models.CharField(_("role"), max_length=16)
    created_at = models.DateTimeField(_("exported"), default=timezone.now)
    query = models.TextField(_("filters"), blank=True, help_text=_("The dashboard query string of the export."))
    rows = models.PositiveIntegerField(_("rows"), default=0)
    with_identity = models.BooleanField(_("with reporter identity"), default=False)

    class Meta:
        verbose_name = _("case export")
        verbose_name_plural = _("case exports")
        ordering = ["-created_at"]
        # The table keeps the name it had when the model lived in dispatch (moved without copying data).
        db_table = "dispatch_exportrecord"

    def __str__(self) -> str:
        return f"{self.user_id} {self.created_at:%Y-%m-%d %H:%M} ({self.rows})"
