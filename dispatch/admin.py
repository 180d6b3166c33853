from django.contrib import admin

from dispatch.models import Agency, AgencyArea, Assignment, Responder, RoutingRule


class AgencyAreaInline(admin.TabularInline):
    model = AgencyArea
    extra = 1


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "province_code", "phone", "is_active", "is_national"]
    list_filter = ["kind", "is_active", "is_national"]
    search_fields = ["name", "name_en", "code"]
    inlines = [AgencyAreaInline]


@admin.register(Responder)
class ResponderAdmin(admin.ModelAdmin):
    list_display = ["__str__", "agency", "on_duty", "last_position_at"]
    list_filter = ["on_duty", "agency__kind"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "agency__name"]
    raw_id_fields = ["user"]


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["incident", "agency", "responder", "status", "assigned_at", "escalation_level"]
    list_filter = ["status", "escalation_level"]
    raw_id_fields = ["incident", "agency", "responder", "assigned_by"]

    # Read-only: assignments change through dispatch.assignments (locks, timeline, live updates, the
    # case status following), never by editing a row.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    """The routing table dispatch.routing reads: which agency kinds a category or triage flag needs."""

    list_display = ["__str__", "category", "flag", "agency_kind", "is_active", "why"]
    list_filter = ["agency_kind", "is_active", "category"]
    list_editable = ["is_active"]
