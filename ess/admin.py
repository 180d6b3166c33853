from django.contrib import admin

from ess.models import AccountEvent, StaffProfile


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "national", "province_codes", "phone"]
    list_filter = ["role", "national"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    autocomplete_fields = ["user"]


@admin.register(AccountEvent)
class AccountEventAdmin(admin.ModelAdmin):
    """Unlocks and two-factor resets: read-only, like every audit trail here."""

    list_display = ["at", "kind", "target_username", "actor_username", "via"]
    list_filter = ["kind", "via"]
    search_fields = ["target_username", "actor_username"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
