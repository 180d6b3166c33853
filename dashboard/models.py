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


# --- Rollups (dashboard.rollups, docs/dashboard-rollups.md) ---------------------------------------------


class DirtyDay(models.Model):
    """A Bangkok day whose rollups are out of date. Appended by database triggers (migration 0002) on every
    change to a counted column of a case, or to an assignment, received that day — whatever wrote it (an
    action, the admin, a retention job, a bulk update) — and consumed by the worker (dashboard.rollups).
    Append-only, no unique key: concurrent writers never wait on each other for it."""

    day = models.DateField(db_index=True)

    def __str__(self) -> str:
        return self.day.isoformat()


class RollupDay(models.Model):
    """A day whose rollup rows are complete, computed under `signature` (bucket scheme + SLA targets): a
    day with another signature, or none, is not read (the exact query answers instead). Its row lock is
    what keeps two workers from rebuilding one day at once."""

    day = models.DateField(primary_key=True)
    computed_at = models.DateTimeField()
    signature = models.CharField(max_length=200)

    def __str__(self) -> str:
        return f"{self.day} ({self.computed_at:%H:%M:%S})"


class RollupWeek(models.Model):
    """A Monday whose week rows (span 7: the sums of its seven days' rows) are `valid` under `signature`.
    Rebuilding one of its days sets `valid` off in the same transaction (holding this row's lock), so a
    week is never read with a day missing from it; the worker then rebuilds it."""

    monday = models.DateField(primary_key=True)
    computed_at = models.DateTimeField()
    signature = models.CharField(max_length=200)
    valid = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"week of {self.monday}" + ("" if self.valid else " (stale)")


class CaseRollup(models.Model):
    """Real (non-drill) cases received on one Bangkok day (span 1), or in the week from that Monday (span 7),
    in one province and category; category "*" is the same over all categories (so a national view sums
    77 rows a day, not 77 × 6). `data`: {"counts": {...}, "hours": [24], "cells": {"lat,lng": n},
    "hist": {step: [offset, n, …]}}."""

    day = models.DateField()
    span = models.PositiveSmallIntegerField(default=1)
    province_code = models.CharField(max_length=2, blank=True)
    category = models.CharField(max_length=32)
    received = models.PositiveIntegerField(default=0)
    data = models.JSONField(default=dict)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "span", "province_code", "category"], name="case_rollup_key"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.province_code} {self.category}: {self.received}"


class AgencyRollup(models.Model):
    """Assignments of real cases received on one day (span 1) or week (span 7) in one province and category,
    per agency (category "*": all categories). `data`: {"declined": n, "hist": {span: [offset, n, …]}}."""

    day = models.DateField()
    span = models.PositiveSmallIntegerField(default=1)
    province_code = models.CharField(max_length=2, blank=True)
    category = models.CharField(max_length=32)
    agency_id = models.IntegerField()
    assignments = models.PositiveIntegerField(default=0)
    data = models.JSONField(default=dict)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "span", "province_code", "category", "agency_id"], name="agency_rollup_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.province_code} {self.category} agency {self.agency_id}: {self.assignments}"
