"""What the console keeps of its own: the canned replies operators send from the case panel."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CannedReply(models.Model):
    """A ready answer operators send the reporter from the case panel (editable in the admin).

    Both languages are kept because a reporter is answered in the language of their LINE profile, not of
    the operator's screen. Keep the texts neutral: a shared phone's notification preview shows them.
    """

    title = models.CharField(_("title"), max_length=80, help_text=_("What operators see in the list."))
    text_th = models.TextField(_("text in Thai"), max_length=5000)
    text_en = models.TextField(
        _("text in English"),
        max_length=5000,
        blank=True,
        help_text=_("Sent to reporters whose LINE is in English; Thai if empty."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("canned reply")
        verbose_name_plural = _("canned replies")
        ordering = ["position", "id"]
        # The table keeps the name it had when the model lived in dispatch (moved without copying data).
        db_table = "dispatch_cannedreply"

    def __str__(self) -> str:
        return self.title

    def text_for(self, language: str) -> str:
        return self.text_en if language == "en" and self.text_en else self.text_th


class AlertSettings(models.Model):
    """One operator's alert sound for new reports (#15 item 6), kept with the account so it follows them
    from one console to another. A P1 repeats until someone opens the case; P2/P3 may ring once or repeat."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="console_alerts")
    sound_on = models.BooleanField(_("sound on"), default=True)
    p1_repeat_seconds = models.PositiveSmallIntegerField(
        _("repeat the P1 tone every (seconds)"), default=10, help_text=_("0: ring once.")
    )
    other_repeat_seconds = models.PositiveSmallIntegerField(
        _("repeat the P2/P3 tone every (seconds)"), default=0, help_text=_("0: ring once.")
    )
    volume = models.PositiveSmallIntegerField(_("volume (%)"), default=60)

    class Meta:
        verbose_name = _("alert settings")
        verbose_name_plural = _("alert settings")

    def __str__(self) -> str:
        return str(self.user)

    def as_dict(self) -> dict:
        return {
            "sound_on": self.sound_on,
            "p1_repeat_seconds": self.p1_repeat_seconds,
            "other_repeat_seconds": self.other_repeat_seconds,
            "volume": self.volume,
        }
