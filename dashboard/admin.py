from django.contrib import admin

from dashboard.models import ExportRecord


@admin.register(ExportRecord)
class ExportRecordAdmin(admin.ModelAdmin):
    """The audit trail of case exports: read-only."""

    list_display = ["created_at", "user", "role", "rows", "with_identity"]
    list_filter = ["with_identity", "role"]
    readonly_fields = ["user", "role", "created_at", "query", "rows", "with_identity"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
