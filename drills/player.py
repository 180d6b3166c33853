"""The drill player: plays a drill's script through the real intake (docs/drills.md).

Each due step becomes a LINE webhook event, signed with the channel secret and addressed to
LINE_DRILL_DESTINATION, POSTed to the same webhook LINE uses. From there it is LINE's path exactly: the
webhook stores it (marked as a drill event), the worker runs the same conversation code, which opens the
case; `incidents.actions.do_create_incident` marks it a drill case because its reporter is a drill reporter.
Nothing here creates or changes a case.

The player runs in the worker (`play_due`, registered in DrillsConfig.ready), not in a command of its own:
the worker already runs round after round, survives restarts, and several workers coordinate through row
locks, so a drill's clock is its rows (`next_step`, `next_at`), not a process that could die with a
terminal. It is bounded: a round sends at most MAX_STEPS_PER_ROUND steps, a script has at most
scenarios.MAX_STEPS steps over at most scenarios.MAX_SECONDS, and a drill ends by itself
DRILL_END_AFTER_MINUTES after its last step. It is cancellable: `stop()` (the supervisor's "stop") ends it
under the same row lock the player takes, so no step is sent after it.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import urllib.error
import urllib.request
import uuid

from django.conf import settings
from django.db import transaction
from django.templatetags.static import static
from django.utils import timezone

from drills.models import Drill
from incidents import geo
from incidents.line import parser, texts
from incidents.models import Language

log = logging.getLogger(__name__)

MAX_STEPS_PER_ROUND = 20
MAX_DRILLS_PER_ROUND = 10
PHOTO = "drills/drill-photo.png"


def user_id(drill: Drill, key: str) -> str:
    """A drill reporter's LINE user id: never a LINE id (those are "U" + 32 hex digits)."""
    return f"Udrill-{drill.token}-{key}"


def reporter_prefix(drill: Drill) -> str:
    return f"Udrill-{drill.token}-"


def _address(drill: Drill, address: str) -> str:
    """A provincial drill's pins are in its province: the address (which the intake resolves first)
    names the drill's province."""
    if not drill.province_code:
        return address
    name = geo.province(drill.province_code)
    thai = getattr(name, "name_th", "") or geo.province_name(drill.province_code)
    return f"{address} จังหวัด{thai}".strip()


def event_for(drill: Drill, index: int, step: dict, now: dt.datetime) -> dict | None:
    """The LINE webhook event of one step (None: a step that sends nothing, e.g. going silent)."""
    action = step["action"]
    event = {
        "mode": "active",
        "timestamp": int(now.timestamp() * 1000),
        "source": {"type": "user", "userId": user_id(drill, step["reporter"])},
        "webhookEventId": f"drill-{drill.token}-{index:03d}-{uuid.uuid4().hex[:8]}",
        "deliveryContext": {"isRedelivery": False},
        "replyToken": f"drill-{uuid.uuid4().hex}",
    }
    message_id = f"drill{drill.pk}{index:03d}{uuid.uuid4().int % 10**6:06d}"
    if action == "say":
        event.update(type="message", message={"id": message_id, "type": "text", "text": step["text"]})
    elif action == "tap":
        label = texts.category_name(Language.THAI, step["category"])
        event.update(
            type="postback", postback={"data": texts.POSTBACK_CATEGORY + step["category"], "displayText": label}
        )
    elif action == "pin":
        pin = step["pin"]
        message = {"id": message_id, "type": "location", "latitude": pin["latitude"], "longitude": pin["longitude"]}
        message["address"] = _address(drill, pin.get("address", ""))
        event.update(type="message", message=message)
    elif action == "photo":
        url = settings.PUBLIC_BASE_URL.rstrip("/") + static(PHOTO) if settings.PUBLIC_BASE_URL else static(PHOTO)
        provider = {"type": "external", "originalContentUrl": url, "previewImageUrl": url}
        event.update(type="message", message={"id": message_id, "type": "image", "contentProvider": provider})
    else:
        return None
    return event


def body_of(events: list[dict]) -> bytes:
    return json.dumps({"destination": settings.LINE_DRILL_DESTINATION, "events": events}, ensure_ascii=False).encode()


def post_webhook(body: bytes, signature: str) -> int:
    """POST one signed body to the webhook, over HTTP like LINE (the machine's edge: tests replace it
    with the test client, which goes through the same URL, middleware and view)."""
    request = urllib.request.Request(
        settings.DRILL_WEBHOOK_URL,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "X-Line-Signature": signature},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def _take_due(drill_pk: int, now: dt.datetime) -> tuple[Drill | None, list[tuple[int, dict]]]:
    """Under the drill's row lock: the steps due now (advancing its place in the script), or the end."""
    with transaction.atomic():
        drill = Drill.objects.select_for_update(skip_locked=True).filter(pk=drill_pk, state=Drill.State.RUNNING).first()
        if drill is None:
            return None, []
        steps = drill.script["steps"]
        due = []
        index = drill.next_step
        while index < len(steps) and len(due) < MAX_STEPS_PER_ROUND:
            if drill.started_at + dt.timedelta(seconds=steps[index]["at"]) > now:
                break
            due.append((index, steps[index]))
            index += 1
        drill.next_step = index
        if index < len(steps):
            drill.next_at = drill.started_at + dt.timedelta(seconds=steps[index]["at"])
        else:
            last = steps[-1]["at"] if steps else 0
            drill.next_at = drill.started_at + dt.timedelta(seconds=last, minutes=settings.DRILL_END_AFTER_MINUTES)
        drill.save(update_fields=["next_step", "next_at"])
    return drill, due


def play(drill_pk: int, now: dt.datetime | None = None) -> int:
    """Send what is due of one drill; end it when its time is up. Returns the number of steps played."""
    from drills import actions  # the end of a drill (closing cases, the report) lives there

    now = now or timezone.now()
    drill, due = _take_due(drill_pk, now)
    if drill is None:
        return 0
    if not due and drill.next_step >= len(drill.script["steps"]) and drill.next_at and drill.next_at <= now:
        actions.end(drill, None, now=now)
        return 0
    played = []
    for index, step in due:
        event = event_for(drill, index, step, timezone.now())
        entry = {
            "step": index,
            "action": step["action"],
            "reporter": step["reporter"],
            "at": timezone.now().isoformat(),
        }
        if event is not None:
            body = body_of([event])
            try:
                entry["status"] = post_webhook(body, parser.signature(body, settings.LINE_CHANNEL_SECRET))
            except OSError as exc:  # the web server is away: recorded, the drill goes on
                log.warning("drill %s step %s: webhook not reached: %s", drill.pk, index, exc)
                entry["status"] = 0
            entry["event"] = event["webhookEventId"]
        played.append(entry)
    if played:
        with transaction.atomic():
            locked = Drill.objects.select_for_update().get(pk=drill.pk)
            locked.played = [*locked.played, *played]
            locked.save(update_fields=["played"])
    return len(played)


def play_due(now: dt.datetime | None = None) -> int:
    """The worker's job: every running drill that has something due."""
    now = now or timezone.now()
    pks = list(
        Drill.objects.filter(state=Drill.State.RUNNING, next_at__lte=now)
        .order_by("next_at")
        .values_list("pk", flat=True)[:MAX_DRILLS_PER_ROUND]
    )
    return sum(play(pk, now) for pk in pks)
