"""The admin pages that show reporters' personal data, each view of a record logged (privacy.access),
and the access log itself, which no one may change or delete."""

from django.contrib import admin, messages
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from incidents.errors import ActionRefused
from incidents.models import LineEvent, Reporter
from privacy import access, subject
from privacy.models import AccessLog, StrikeFingerprint, SubjectRequest


class AuditedChangeView:
    """Opening one record's page is a read of its personal data: log it (the list shows none)."""

    audited_field: str = ""

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        if obj is not None and request.method == "GET":
            self.log_read(request, obj)
        return super().change_view(request, object_id, form_url, extra_context)

    def log_read(self, request, obj) -> None:
        raise NotImplementedError


@admin.register(Reporter)
class ReporterAdmin(AuditedChangeView, admin.ModelAdmin):
    # The list shows no name or LINE id: opening a reporter is the (logged) read.
    list_display = ["pk", "language", "is_reachable", "safe_contact_only", "false_report_count", "created_at"]
    search_fields = ["=line_user_id", "=incidents__reference"]
    actions = ["export_subject", "erase_on_request"]

    def log_read(self, request, obj) -> None:
        access.record(request, access.Field.RECORD, reporter=obj)

    def _one(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Choose exactly one reporter."), messages.ERROR)
            return None
        return queryset.first()

    @admin.action(description=gettext_lazy("Export everything held about the reporter (zip)"))
    def export_subject(self, request, queryset):
        reporter = self._one(request, queryset)
        if reporter is None:
            return None
        response = HttpResponse(
            subject.export_reporter(reporter, request.user, via=request), content_type="application/zip"
        )
        response["Content-Disposition"] = f'attachment; filename="ess-reporter-{reporter.pk}.zip"'
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description=gettext_lazy("Erase the reporter on their request"))
    def erase_on_request(self, request, queryset):
        reporter = self._one(request, queryset)
        if reporter is None:
            return None
        if request.POST.get("confirm") == "yes":
            try:
                done = subject.erase_reporter(reporter, request.user, request.POST.get("reason", ""))
            except ActionRefused as refused:
                self.message_user(request, str(refused), messages.ERROR)
                return None
            self.message_user(
                request,
                _("Reporter %(id)s erased; the request is logged.") % {"id": done.reporter_id},
                messages.SUCCESS,
            )
            return None
        return TemplateResponse(
            request,
            "admin/privacy/erase_reporter.html",
            {**self.admin_site.each_context(request), "reporter": reporter, "opts": self.model._meta},
        )


@admin.register(LineEvent)
class LineEventAdmin(AuditedChangeView, admin.ModelAdmin):
    """The LINE inbox: pending events older than a minute mean no worker runs; failed ones need a look.
    The list leaves out the LINE user id; the raw payload (and the id) is on the event's page (logged)."""

    list_display = ["received_at", "kind", "state", "attempts", "is_redelivery"]
    list_filter = ["state", "kind", "is_redelivery"]
    search_fields = ["=webhook_event_id", "=user_id"]
    readonly_fields = [f.name for f in LineEvent._meta.fields]

    def has_add_permission(self, request):
        return False

    def log_read(self, request, obj) -> None:
        reporter = Reporter.objects.filter(line_user_id=obj.user_id).first() if obj.user_id else None
        access.record(request, access.Field.PAYLOAD, reporter=reporter)


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    """Read-only: the log is append-only (no add, change or delete, not even for a superuser)."""

    list_display = ["at", "username", "role", "token", "field", "reference", "reporter_id", "route"]
    list_filter = ["field", "role"]
    search_fields = ["=reference", "=username", "=reporter_id"]
    date_hierarchy = "at"

    def get_actions(self, request):
        return {}

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(StrikeFingerprint)
class StrikeFingerprintAdmin(admin.ModelAdmin):
    list_display = ["fingerprint", "false_report_count", "created_at"]
    readonly_fields = ["fingerprint", "false_report_count", "created_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SubjectRequest)
class SubjectRequestAdmin(admin.ModelAdmin):
    list_display = ["at", "kind", "reporter_id", "username", "references"]
    list_filter = ["kind"]
    readonly_fields = ["at", "kind", "reporter_id", "references", "user", "username", "reason"]

    def get_actions(self, request):
        return {}

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
