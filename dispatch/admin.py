from django.contrib import admin

from dispatch.models import Agency, AgencyArea, Assignment, CannedReply, Responder


class AgencyAreaInline(admin.TabularInline):
    model = AgencyArea
    extra = 1


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "province_code", "phone", "is_active"]
    list_filter = ["kind", "is_active"]
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
    list_display = ["incident", "agency", "responder", "status", "assigned_at"]
    list_filter = ["status"]
    raw_id_fields = ["incident", "agency", "responder", "assigned_by"]


@admin.register(CannedReply)
class CannedReplyAdmin(admin.ModelAdmin):
    list_display = ["title", "position", "is_active"]
    list_editable = ["position", "is_active"]
    search_fields = ["title", "text_th", "text_en"]
