"""Each operator's alert sound for new reports (#15 item 6): read into the console page, saved from its
settings form. The page plays the tones; the rule of when (a P1 repeats until someone opens the case)
lives in console.js, fed by the rows' "unopened" mark (console.screen.row_context)."""

from django import forms
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_POST

from console.models import AlertSettings
from ess.roles import CONSOLE_ROLES, role_required


def settings_for(user) -> dict:
    found = AlertSettings.objects.filter(user=user).first()
    return (found or AlertSettings(user=user)).as_dict()


class AlertSettingsForm(forms.ModelForm):
    class Meta:
        model = AlertSettings
        fields = ["sound_on", "p1_repeat_seconds", "other_repeat_seconds", "volume"]

    def clean_volume(self):
        return min(100, self.cleaned_data["volume"])

    def clean_p1_repeat_seconds(self):
        value = self.cleaned_data["p1_repeat_seconds"]
        return 0 if value == 0 else max(3, min(value, 600))

    def clean_other_repeat_seconds(self):
        value = self.cleaned_data["other_repeat_seconds"]
        return 0 if value == 0 else max(3, min(value, 600))


@role_required(*CONSOLE_ROLES)
@require_POST
def alert_settings(request: HttpRequest) -> JsonResponse:
    instance = AlertSettings.objects.filter(user=request.user).first() or AlertSettings(user=request.user)
    form = AlertSettingsForm(request.POST, instance=instance)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors}, status=400)
    return JsonResponse(form.save().as_dict())
