"""The LINE simulator for newcomers and demos (/dev/line/): the browser plays a citizen's phone.

The page asks `send` for a properly signed webhook body (events shaped like LINE's, reply tokens handed
out by the fake LINE platform), then POSTs it itself to the real `/line/webhook/` — so the demo goes
through exactly the path LINE's servers use. The bot's answers reach the fake platform (the
LINE_API_BASE_URL of the demo); `feed` reads them back for the phone screen.

Only for logged-in staff, and only when DEBUG or ESS_DEMO is on; otherwise it does not exist (404).
"""

import hashlib
import json
import urllib.error
import urllib.request
from functools import wraps

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from demo import fake_platform as fake
from ess.roles import is_staff_member

LANGUAGES = ("th", "en")


def _demo_only(view):
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        if not (settings.DEBUG or settings.ESS_DEMO) or not is_staff_member(request.user):
            raise Http404
        if "api.line.me" in settings.LINE_API_BASE_URL:
            # A real channel is configured: signing made-up events with its secret is not for a demo page.
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


def persona(user, language: str) -> str:
    """A stable LINE-shaped user id per staff member and language (the LINE profile's language)."""
    digest = hashlib.sha256(f"ess-simulator:{user.pk}:{language}".encode()).hexdigest()
    return "U" + digest[:32]


def _fake(path: str, data: bytes | None = None, content_type: str = "application/json") -> dict:
    request = urllib.request.Request(
        settings.LINE_API_BASE_URL + path,
        data=data,
        method="POST" if data is not None else "GET",
        headers={"Content-Type": content_type},
    )
    with urllib.request.urlopen(request, timeout=3) as response:
        return json.loads(response.read() or b"{}")


def _language(request: HttpRequest) -> str:
    language = request.GET.get("lang") or request.POST.get("lang") or "th"
    return language if language in LANGUAGES else "th"


@_demo_only
@require_GET
def page(request: HttpRequest) -> HttpResponse:
    return render(request, "demo/simulator.html", {"places": fake.PLACES, "languages": LANGUAGES})


@_demo_only
@require_POST
def send(request: HttpRequest) -> JsonResponse:
    """Build one signed event from the phone's action; the page posts it to the webhook."""
    language = _language(request)
    user_id = persona(request.user, language)
    kind = request.POST.get("kind", "text")
    try:
        _fake(
            f"/_fake/profile/{user_id}",
            json.dumps({"language": language, "name": request.user.get_username()}).encode(),
        )
        token = _fake(f"/_fake/token/{user_id}", b"{}")["replyToken"]
        if kind == "follow" or kind == "unfollow":
            event = fake.make_event(kind, user_id, reply_token=token)
        elif kind == "postback":
            data, label = request.POST.get("data", ""), request.POST.get("displayText", "")
            event = fake.make_event(
                "postback",
                user_id,
                reply_token=token,
                postback={"data": data, "displayText": label} if label else {"data": data},
            )
        elif kind == "location":
            place = fake.PLACES.get(request.POST.get("place", ""), fake.PLACES["bangkok"])
            event = fake.make_event("message", user_id, reply_token=token, message=fake.location_message(**place))
        elif kind == "image":
            upload = request.FILES.get("photo")
            if upload is None or upload.size > 5_000_000:
                return JsonResponse({"error": "a photo of at most 5 MB is needed"}, status=400)
            message = fake.image_message()
            _fake(f"/_fake/content/{message['id']}", upload.read(), upload.content_type or "image/jpeg")
            event = fake.make_event("message", user_id, reply_token=token, message=message)
        elif kind == "sticker":
            event = fake.make_event("message", user_id, reply_token=token, message=fake.sticker_message())
        else:
            text = request.POST.get("text", "")[:5000]
            if not text.strip():
                return JsonResponse({"error": "empty message"}, status=400)
            event = fake.make_event("message", user_id, reply_token=token, message=fake.text_message(text))
    except (urllib.error.URLError, OSError, KeyError, ValueError) as exc:
        return JsonResponse(
            {
                "error": f"the fake LINE platform at {settings.LINE_API_BASE_URL} "
                f"does not answer ({exc}); start it with manage.py fake_line"
            },
            status=502,
        )
    body, sig = fake.signed([event], settings.LINE_CHANNEL_SECRET)
    return JsonResponse({"body": body.decode("utf-8"), "signature": sig, "user_id": user_id})


@_demo_only
@require_GET
def feed(request: HttpRequest) -> JsonResponse:
    """What the bot sent to this persona (from the fake platform), from index `after` on."""
    user_id = persona(request.user, _language(request))
    try:
        after = max(int(request.GET.get("after", 0)), 0)
        return JsonResponse(_fake(f"/_fake/phone/{user_id}?after={after}"))
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return JsonResponse({"error": str(exc), "messages": [], "count": 0}, status=502)
