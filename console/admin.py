from django.contrib import admin

from console.models import CannedReply


@admin.register(CannedReply)
class CannedReplyAdmin(admin.ModelAdmin):
    list_display = ["title", "position", "is_active"]
    list_editable = ["position", "is_active"]
    search_fields = ["title", "text_th", "text_en"]
