from django.contrib import admin

from incidents.models import Attachment, Incident, IncidentEvent, Message


class EventInline(admin.TabularInline):
    model = IncidentEvent
    extra = 0
    can_delete = False
    readonly_fields = ["created_at", "kind", "actor", "from_status", "to_status", "data"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = ["reference", "category", "status", "priority", "province_code", "received_at"]
    list_filter = ["status", "category", "priority"]
    search_fields = ["reference", "description", "address"]
    readonly_fields = [
        "reference",
        "version",
        "received_at",
        "triaged_at",
        "dispatched_at",
        "acknowledged_at",
        "en_route_at",
        "on_scene_at",
        "resolved_at",
        "closed_at",
    ]
    raw_id_fields = ["reporter", "duplicate_of", "claimed_by"]
    inlines = [EventInline]

    def has_change_permission(self, request, obj=None):
        # Cases change only through the console's actions, which lock, check and log every change.
        return False


# Reporter and LineEvent pages (personal data, every view logged) are in privacy/admin.py.


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "reporter", "incident", "direction", "kind", "delivery"]
    list_filter = ["direction", "kind", "delivery"]
    raw_id_fields = ["reporter", "incident", "sent_by"]


admin.site.register(Attachment)
