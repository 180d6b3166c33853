from django.contrib import admin

from referrals.models import FollowUpTask, Referral


class TaskInline(admin.TabularInline):
    model = FollowUpTask
    extra = 0
    readonly_fields = ["kind", "due_on", "note", "done_at", "done_by", "result", "cancelled_at"]
    can_delete = False


@admin.register(Referral)
class ReferralAdmin(admin.ModelAdmin):
    list_display = ["incident", "kind", "owner_agency", "person", "status", "outcome", "created_at"]
    list_filter = ["kind", "status", "outcome"]
    search_fields = ["incident__reference", "owner_agency__name"]
    inlines = [TaskInline]

    # Read-only: referrals change through referrals.actions (rules, timeline, live updates).
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
