"""Public pages for citizens (no login): the privacy notice the LINE welcome links to."""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.http import require_GET

NOTICE_LANGUAGES = ("th", "en")


def retention_days() -> dict[str, int]:
    """The retention periods the worker applies (settings, environment-driven; defaults as documented in
    docs/privacy.md), so the notice never promises other figures than the ones enforced."""
    return {
        "payload_days": getattr(settings, "RETENTION_WEBHOOK_PAYLOAD_DAYS", 30),
        "media_days": getattr(settings, "RETENTION_MEDIA_DAYS", 180),
        "anonymise_days": getattr(settings, "RETENTION_ANONYMISE_DAYS", 365),
    }


def privacy_url(language: str = "th") -> str:
    """The notice's public address for a LINE message ("" when the public address of ESS is unknown).
    PUBLIC_BASE_URL, else https:// and the first concrete host in ALLOWED_HOSTS."""
    base = getattr(settings, "PUBLIC_BASE_URL", "").rstrip("/")
    if not base:
        hosts = [h for h in settings.ALLOWED_HOSTS if h and h[0] not in ".*" and h not in ("localhost", "127.0.0.1")]
        base = f"https://{hosts[0]}" if hosts else ""
    if not base:
        return ""
    suffix = "?lang=en" if language == "en" else ""
    return f"{base}{reverse('privacy')}{suffix}"


@login_not_required
@require_GET
def privacy_notice(request: HttpRequest) -> HttpResponse:
    """What ESS keeps about a reporter, for how long, who sees it, how to ask for a copy or erasure. Thai
    unless ?lang=en; the text is in the translation catalogue like every other."""
    language = request.GET.get("lang", "th")
    if language not in NOTICE_LANGUAGES:
        language = "th"
    with translation.override(language):
        response = render(request, "incidents/privacy.html", {"notice_language": language, **retention_days()})
    response["Content-Language"] = language
    return response
