from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from api.models import ApiCall, ApiToken
from api.tokens import check_scope, issue_token, revoke_token, sync_account
from dispatch.staff import StaffError


class ApiTokenForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ["name", "role", "province_codes", "agency", "rate_limit_per_minute"]

    def clean(self):
        data = super().clean()
        if "role" in data:
            try:
                check_scope(data["role"], data.get("province_codes") or [], data.get("agency"))
            except StaffError as exc:
                raise forms.ValidationError(str(exc)) from exc
        return data


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    form = ApiTokenForm
    list_display = ["name", "prefix", "role", "province_codes", "agency", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["role", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix"]
    readonly_fields = ["prefix", "account", "created_at", "created_by", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def save_model(self, request, obj, form, change):
        if change:
            obj.save()
            sync_account(obj)
            return
        issued = issue_token(
            obj.name,
            role=obj.role,
            provinces=obj.province_codes or [],
            agency=obj.agency,
            created_by=request.user,
            rate_limit_per_minute=obj.rate_limit_per_minute,
        )
        obj.pk = issued.token.pk
        obj.__dict__.update({k: v for k, v in issued.token.__dict__.items() if not k.startswith("_")})
        obj._issued_secret = issued.secret

    def response_add(self, request, obj, post_url_continue=None):
        # The one time the secret exists in plain: rendered into this page, never stored (not even in a
        # message cookie).
        return TemplateResponse(
            request,
            "admin/api/apitoken/created.html",
            {
                **self.admin_site.each_context(request),
                "token": obj,
                "secret": obj._issued_secret,
                "change_url": reverse("admin:api_apitoken_change", args=[obj.pk]),
                "title": _("API token created"),
            },
        )

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        for token in queryset.select_related("account"):
            revoke_token(token)
        count = queryset.count()
        self.message_user(request, ngettext("%d token revoked.", "%d tokens revoked.", count) % count, messages.SUCCESS)

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: the call log keeps pointing at the token


@admin.register(ApiCall)
class ApiCallAdmin(admin.ModelAdmin):
    list_display = ["at", "token_name", "user", "method", "path", "status", "duration_ms", "reporter_identity_shown"]
    list_filter = ["status", "method", "reporter_identity_shown"]
    search_fields = ["token_name", "path", "user__username"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
