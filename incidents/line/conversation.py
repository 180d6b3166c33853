"""The conversation with one reporter: what each event means and what the bot answers.

State lives in `Reporter.conversation_state` (a small dict); the open case, if any, is read from the
database each time, so an operator closing a case is seen at once.

    follow            → welcome (what ESS is for, 191 / 1669 / 1300, false reports) + categories
    greeting, no case → "type what is happening" + the five categories (+ "something else" → the
                        right hotline, + location)
    words, a category tap, a pin or a photo, no case
                      → **the case is created at once** (DESIGN §4b: the reporter's first substantive
                        act; location unknown until they give one), answered with its reference and
                        the expected time to an answer; then what is missing is asked for, each once
                        and never required: what is happening (unless they said it in words), where
                        (the pin, or "can't send my location" → the place in words, geocoded when it
                        names a district or province), whether we may message them first (once
                        per reporter; "no" = safe contact only), details and photos with a skip
    later text/photo/pin/… → attached to the open case (consoles hear of it)
    "ยกเลิก"/"cancel" → confirm, then cancel;  "สถานะ"/"status" → the case's status
    stickers, audio, video, files → stored, acknowledged politely
    unfollow          → the reporter is marked unreachable

Every function here runs inside the worker's transaction for one event; `handle()` returns the
LINE messages to answer with, which the caller queues in the outbox in that same transaction.
"""

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone

from incidents import actions, geo, triage
from incidents.errors import ActionRefused
from incidents.line import texts
from incidents.line.parser import Event
from incidents.models import Category, Incident, Message, Reporter
from incidents.views import privacy_url

# Messages a reporter sent before their case existed are attached to it if this recent.
EARLIER_MESSAGES_WINDOW = dt.timedelta(minutes=30)

MESSAGE_KINDS = {
    "text": Message.Kind.TEXT,
    "image": Message.Kind.IMAGE,
    "location": Message.Kind.LOCATION,
    "sticker": Message.Kind.STICKER,
    "audio": Message.Kind.AUDIO,
    "video": Message.Kind.VIDEO,
    "file": Message.Kind.FILE,
}

# What outlives a case's steps: the LINE profile was read; the safe-contact question was asked (once).
KEPT_STATE = ("profile_checked", "safe_asked")

# What the bot asked last (the case exists by then; each is asked at most once per case).
STEP_CATEGORY = "category"  # what is happening?
STEP_LOCATION = "location"  # where? (the pin, with "can't send my location")
STEP_PLACE = "place"  # the place in words, after "can't send my location"
STEP_SAFE = "safe"  # may we message you first? (asked once per reporter)
STEP_DETAILS = "details"  # more details or photos, with a skip
STEP_OPEN = "open"  # nothing left to ask: the reporter talks to the operators


@dataclass
class Answer:
    messages: list[dict] = field(default_factory=list)
    incident: Incident | None = None  # the case the answer belongs to (for the console's chat)


def open_case(reporter: Reporter) -> Incident | None:
    return reporter.incidents.open().order_by("-received_at", "-id").first()


def handle(
    reporter: Reporter, event: Event, *, event_id: str, at: dt.datetime, area: tuple[str, str] | None = None
) -> Answer:
    """Apply one event of `reporter` (already locked by the caller) and return the answer.

    `area` is the (province, district) of a location event, resolved by the caller before it took
    the locks (resolving may load the offline gazetteer); resolved here if not given."""
    state = dict(reporter.conversation_state)
    state.pop("reply_token", None)
    state.pop("reply_deadline", None)
    talk = _Talk(reporter, state, event, event_id, at)
    talk.area = area
    if event.kind == "follow":
        answer = talk.follow()
    elif event.kind == "unfollow":
        actions.do_mark_reporter_unreachable(reporter, at=at)
        answer = Answer()
    elif event.kind == "postback":
        answer = talk.postback()
    elif event.kind == "message":
        answer = talk.message()
    else:  # join, leave, beacon, accountLink, …: nothing for an emergency intake to do
        answer = Answer()
    # What the intake itself keeps about the reporter (e.g. that their LINE profile was read) outlives
    # the conversation's steps.
    kept = {k: v for k, v in state.items() if k in KEPT_STATE}
    reporter.conversation_state = {**talk.state, **kept}
    reporter.last_seen_at = at
    reporter.save(update_fields=["conversation_state", "last_seen_at"])
    return answer


class _Talk:
    def __init__(self, reporter: Reporter, state: dict, event: Event, event_id: str, at: dt.datetime):
        self.reporter, self.state, self.event, self.event_id, self.at = reporter, state, event, event_id, at
        self.area: tuple[str, str] | None = None
        self.lang = reporter.language
        self.case = open_case(reporter)
        if self.case is None and self.state.get("step"):
            self.state = self.kept()  # their case was closed meanwhile: start afresh

    # --- helpers ---------------------------------------------------------------------------------

    def say(self, key: str, **values) -> str:
        return texts.say(self.lang, key, **values)

    def answer(self, *messages: dict) -> Answer:
        return Answer(list(messages), self.case)

    def store(self, kind: str, text: str = "", payload: dict | None = None) -> Message:
        message = Message.objects.create(
            reporter=self.reporter,
            direction=Message.Direction.IN,
            kind=kind,
            text=text,
            payload=payload or {},
            line_message_id=self.event.message_id if self.event.kind == "message" else "",
            webhook_event_id=self.event_id,
            delivery=Message.Delivery.RECEIVED,
            created_at=self.at,
        )
        if self.case is not None:
            actions.do_attach_message(self.case, message)
        return message

    def kept(self) -> dict:
        return {k: v for k, v in self.state.items() if k in KEPT_STATE}

    def categories(self, key: str = "say_what_happened") -> Answer:
        return self.answer(texts.text(self.say(key), texts.category_buttons(self.lang, with_location=True)))

    def start_case(self, **fields) -> None:
        """Open the case now: the reporter has said, one way or another, that help is needed. Whatever
        is missing (what, where) is asked for after, and never required."""
        self.case = actions.do_create_incident(reporter=self.reporter, received_at=self.at, **fields)
        self._attach_earlier_messages()
        self.state = {**self.kept(), "asked": []}

    def created(self) -> dict:
        minutes = settings.SLA_TRIAGE_MINUTES
        return texts.text(self.say("created", reference=self.case.reference, minutes=minutes))

    def ask(self, step: str, prompt: dict, before: tuple[dict, ...]) -> Answer:
        self.state["step"] = step
        self.state.setdefault("asked", []).append(step)
        return self.answer(*before, prompt)

    def follow_up(self, *before: dict) -> Answer:
        """Ask for the next thing the case lacks, each at most once per case: what is happening (unless
        the reporter said it in words), where (the pin, or the place in words), then details or photos.
        Nothing left to ask: the operators take it from here and the bot keeps quiet."""
        asked = self.state.setdefault("asked", [])
        case = self.case
        if case.category == Category.UNSPECIFIED and not self.state.get("words") and STEP_CATEGORY not in asked:
            buttons = texts.category_buttons(self.lang, with_location=False)
            return self.ask(STEP_CATEGORY, texts.text(self.say("ask_category_after_pin"), buttons), before)
        if case.latitude is None and STEP_LOCATION not in asked:
            prompt = texts.text(self.say("ask_location"), texts.location_buttons(self.lang))
            return self.ask(STEP_LOCATION, prompt, before)
        if not self.state.get("safe_asked") and not self.reporter.safe_contact_only:
            self.state["safe_asked"] = True
            prompt = texts.text(self.say("ask_safe"), texts.safe_buttons(self.lang))
            return self.ask(STEP_SAFE, prompt, before)
        if STEP_DETAILS not in asked:
            # Never ask for what was just given: after their own words, only a photo.
            key = "ask_photos" if self.state.get("words") else "ask_details"
            prompt = texts.text(self.say(key), texts.details_buttons(self.lang, first=True))
            return self.ask(STEP_DETAILS, prompt, before)
        self.state["step"] = STEP_OPEN
        return self.answer(*before)

    # --- events --------------------------------------------------------------------------------

    def follow(self) -> Answer:
        actions.do_mark_reporter_reachable(self.reporter)
        welcome = self.say("welcome")
        url = privacy_url(texts.lang(self.lang))
        if url:
            welcome += "\n" + self.say("privacy_link", url=url)
        buttons = [*texts.category_buttons(self.lang, with_location=True), texts.howto_button(self.lang)]
        return self.answer(texts.text(welcome, buttons))

    def postback(self) -> Answer:
        data = self.event.postback
        label = (self.event.raw.get("postback") or {}).get("displayText") or data
        self.store(Message.Kind.POSTBACK, text=str(label)[:500], payload={"data": data})
        if data.startswith(texts.POSTBACK_CATEGORY):
            category = data.removeprefix(texts.POSTBACK_CATEGORY)
            if category in texts.REPORTABLE:
                return self.category(category)
        if data == texts.POSTBACK_OTHER:
            return self.answer(texts.text(self.say("other")))
        if data == texts.POSTBACK_HOWTO:
            return self.answer(texts.howto_carousel(self.lang, minutes=settings.SLA_TRIAGE_MINUTES))
        if data == texts.POSTBACK_NO_LOCATION:
            return self.no_location()
        if data == texts.POSTBACK_DETAILS_DONE:
            if self.case is None:
                return self.categories()
            self.state["step"] = STEP_OPEN
            return self.answer(texts.text(self.say("details_done", reference=self.case.reference)))
        if data in (texts.POSTBACK_SAFE_YES, texts.POSTBACK_SAFE_NO):
            return self.safe_answer(safe_to_message=data == texts.POSTBACK_SAFE_YES)
        if data in (texts.POSTBACK_CANCEL_YES, texts.POSTBACK_CANCEL_NO):
            return self.cancel_answer(data == texts.POSTBACK_CANCEL_YES)
        return self.case_or_categories()

    def category(self, category: str) -> Answer:
        if self.case is None:
            self.start_case(category=category)
            return self.follow_up(self.created())
        if self.case.category == Category.UNSPECIFIED:
            self.case = actions.do_set_category(self.case, category)
        answer = self.follow_up()
        if answer.messages:
            return answer
        return self.answer(texts.text(self.say("category_set", reference=self.case.reference)))

    def safe_answer(self, *, safe_to_message: bool) -> Answer:
        """Their answer to "is it safe for us to message you first?": "no" makes them safe contact only
        (no pushes, neutral texts); logged on their open cases for the operators."""
        actions.do_set_safe_contact(self.reporter, not safe_to_message, by="reporter")
        self.reporter.safe_contact_only = not safe_to_message
        noted = texts.text(self.say("safe_yes" if safe_to_message else "safe_no"))
        if self.case is None:
            return self.answer(noted)
        return self.follow_up(noted)

    def no_location(self) -> Answer:
        """ "I can't send my location": the place in words instead (a person locked in a room, GPS off)."""
        before = ()
        if self.case is None:
            self.start_case()
            before = (self.created(),)
        asked = self.state.setdefault("asked", [])
        if STEP_LOCATION not in asked:
            asked.append(STEP_LOCATION)
        self.state["step"] = STEP_PLACE
        return self.answer(*before, texts.text(self.say("ask_place")))

    def message(self) -> Answer:
        kind = self.event.message_kind
        if kind == "location":
            return self.location()
        if kind == "text":
            return self.text()
        raw_message = self.event.raw.get("message") or {}
        if kind == "image":
            # A photo is a report too. Fetched by incidents.line.media once it belongs to a case.
            if self.case is None:
                self.start_case()
                self.store(Message.Kind.IMAGE, payload={"message": raw_message, "content": "pending"})
                return self.follow_up(self.created())
            self.store(Message.Kind.IMAGE, payload={"message": raw_message, "content": "pending"})
            return self.enriched()
        self.store(
            MESSAGE_KINDS.get(kind, Message.Kind.OTHER),
            text=self._describe(raw_message),
            payload={"message": raw_message},
        )
        thanks = texts.text(self.say("unsupported"))
        if self.case is None:
            return self.answer(
                thanks, texts.text(self.say("say_what_happened"), texts.category_buttons(self.lang, with_location=True))
            )
        if self.state.get("step") == STEP_DETAILS:
            again = texts.text(self.say("ask_details"), texts.details_buttons(self.lang, first=False))
            return self.answer(thanks, again)
        return self.answer(thanks)

    @staticmethod
    def _describe(raw_message: dict) -> str:
        if raw_message.get("type") == "file":
            return str(raw_message.get("fileName", ""))[:200]
        if raw_message.get("type") == "sticker":
            return " ".join(str(k) for k in raw_message.get("keywords", [])[:5])
        return ""

    def text(self) -> Answer:
        body = self.event.text
        word = body.strip().lower()
        self.store(Message.Kind.TEXT, text=body, payload={"message": self.event.raw.get("message") or {}})
        if word in texts.CANCEL_WORDS:
            if self.case is None:
                return self.answer(texts.text(self.say("no_case")))
            self.state["cancel_pending"] = True
            return self.answer(
                texts.text(self.say("confirm_cancel", reference=self.case.reference), texts.cancel_buttons(self.lang))
            )
        if word in texts.STATUS_WORDS_IN:
            if self.case is None:
                return self.categories("no_case")
            status = texts.status_words(self.lang, self.case.status)
            return self.answer(texts.text(self.say("status", reference=self.case.reference, status=status)))
        if self.case is None:
            if is_small_talk(body):
                return self.categories()
            # Words asking for help are a report: the case exists now, with the place they name, if any.
            province_code, district_code = geo.resolve_words(body)
            self.start_case(description=body[:4000], province_code=province_code, district_code=district_code)
            self.state["words"] = True
            return self.follow_up(self.created())
        step = self.state.get("step")
        if step in (STEP_PLACE, STEP_LOCATION):
            province_code, district_code = geo.resolve_words(body, answer=True)
            if step == STEP_PLACE or province_code:
                self.case = actions.do_set_place_words(
                    self.case, body, province_code=province_code, district_code=district_code
                )
                return self.follow_up(texts.text(self.say("place_noted", reference=self.case.reference)))
        if step in (STEP_CATEGORY, STEP_LOCATION, STEP_SAFE):
            self.state["words"] = True
            return self.follow_up()
        return self.enriched()

    def enriched(self) -> Answer:
        """A text or photo added to the open case."""
        step = self.state.get("step")
        if step == STEP_DETAILS:
            added = self.say("detail_added", reference=self.case.reference)
            return self.answer(texts.text(added, texts.details_buttons(self.lang, first=False)))
        if step in (STEP_CATEGORY, STEP_LOCATION, STEP_PLACE, STEP_SAFE):
            return self.follow_up()
        # The case is open and the reporter is talking to the operators: the bot keeps quiet.
        return self.answer()

    def location(self) -> Answer:
        event = self.event
        province_code, district_code = self.area or geo.resolve(event.latitude, event.longitude, event.address)
        raw_message = event.raw.get("message") or {}
        where = {
            "latitude": event.latitude,
            "longitude": event.longitude,
            "address": event.address,
            "province_code": province_code,
            "district_code": district_code,
        }
        if self.case is not None:
            self.store(Message.Kind.LOCATION, text=event.address, payload={"message": raw_message})
            self.case = actions.do_update_location(self.case, **where)
            added = texts.text(self.say("location_added", reference=self.case.reference))
            if self.state.get("step") in (STEP_LOCATION, STEP_PLACE):
                return self.follow_up(added)
            return self.answer(added)
        self.start_case(**where)
        self.store(Message.Kind.LOCATION, text=event.address, payload={"message": raw_message})
        return self.follow_up(self.created())

    def _attach_earlier_messages(self) -> None:
        earlier = Message.objects.filter(
            reporter=self.reporter,
            incident__isnull=True,
            direction=Message.Direction.IN,
            created_at__gte=self.at - EARLIER_MESSAGES_WINDOW,
        ).order_by("created_at", "id")
        for message in earlier:
            if message.kind == Message.Kind.IMAGE and message.payload.get("content") == "waiting":
                message.payload = {**message.payload, "content": "pending"}
                message.save(update_fields=["payload"])
            actions.do_attach_message(self.case, message)

    def cancel_answer(self, confirmed: bool) -> Answer:
        pending = self.state.pop("cancel_pending", False)
        if self.case is None:
            return self.answer(texts.text(self.say("no_case")))
        reference = self.case.reference
        if not confirmed or not pending:
            return self.answer(texts.text(self.say("not_cancelled", reference=reference)))
        try:
            self.case = triage.cancel_by_reporter(self.case)
        except ActionRefused:
            return self.answer(texts.text(self.say("cannot_cancel", reference=reference)))
        self.state = self.kept()
        answer = self.answer(texts.text(self.say("cancelled", reference=reference)))
        return answer

    def case_or_categories(self) -> Answer:
        return self.answer() if self.case is not None else self.categories()


# Greetings, thanks and tests: not (yet) a report. Anything else a reporter types without an open case
# is taken as asking for help: a case too many costs an operator a click, a case too few can cost a life.
_SMALL_TALK = frozenset(
    {
        "",
        "สวัสดี",
        "หวัดดี",
        "hi",
        "hello",
        "hey",
        "ok",
        "okay",
        "โอเค",
        "ขอบคุณ",
        "thankyou",
        "thanks",
        "test",
        "ทดสอบ",
        "ดีจ้า",
        "ดี",
    }
)
_PARTICLES = re.compile(r"(ค่ะ|คะ|ครับ|คับ|จ้า|จ้ะ|นะ|ค่า)+$")


def is_small_talk(text: str) -> bool:
    # Letters, Thai vowel and tone marks (category M), digits; no spaces, punctuation or emoji.
    core = "".join(c for c in (text or "").lower() if unicodedata.category(c)[0] in "LMN")
    return _PARTICLES.sub("", core) in _SMALL_TALK or not core


def event_time(timestamp_ms: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(timestamp_ms / 1000, tz=dt.UTC) if timestamp_ms else timezone.now()
