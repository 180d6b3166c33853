"""Read-only in the admin: drills are started and stopped on /drills/, scenarios uploaded there (checked)."""

from django.contrib import admin

from drills.models import AfterActionReport, Drill, UploadedScenario


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Drill)
class DrillAdmin(ReadOnly):
    list_display = ("started_at", "title", "province_code", "state", "started_by")
    list_filter = ("state",)


@admin.register(UploadedScenario)
class UploadedScenarioAdmin(ReadOnly):
    list_display = ("name", "title", "category", "uploaded_by", "uploaded_at")


@admin.register(AfterActionReport)
class AfterActionReportAdmin(ReadOnly):
    list_display = ("drill", "built_at")
