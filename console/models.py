"""What the console keeps of its own: the canned replies operators send from the case panel."""

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
