from django.contrib import admin

from shifts.models import Handover, HandoverItem, RosterEntry


@admin.register(RosterEntry)
class RosterEntryAdmin(admin.ModelAdmin):
    """The roster is data an administrator may correct by hand (import_roster loads it in bulk)."""

    list_display = ["user", "shift", "province_code", "starts_at", "ends_at"]
    list_filter = ["shift", "province_code"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    raw_id_fields = ["user"]
    date_hierarchy = "starts_at"


class HandoverItemInline(admin.TabularInline):
    model = HandoverItem
    extra = 0
    can_delete = False
    readonly_fields = ["incident", "status_line", "claim", "handed_to"]


@admin.register(Handover)
class HandoverAdmin(admin.ModelAdmin):
    list_display = ["from_user", "to_user", "created_at", "acknowledged_at"]
    inlines = [HandoverItemInline]

    # A hand-over is a record of what was said at shift change: read-only.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
