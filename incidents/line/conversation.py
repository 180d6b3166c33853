"""The conversation with one reporter: what each event means and what the bot answers.

State lives in `Reporter.conversation_state` (a small dict); the open case, if any, is read from the
database each time, so an operator closing a case is seen at once.

    follow            → welcome (what ESS is for, 191 / 1669 / 1300, false reports) + categories
    anything, no case → the five categories (+ "something else" → the right hotline, + location)
    category tap      → "where?" with the quick-reply location action
    location, no case → **the case is created** (with the tapped category, or `unspecified`: a pin
                        alone is a report), answer with its reference; then the category question
                        (if unknown) or optional details and photos with a skip
    later text/photo/pin/… → attached to the open case (consoles hear of it)
    "ยกเลิก"/"cancel" → confirm, then cancel;  "สถานะ"/"status" → the case's status
    stickers, audio, video, files → stored, acknowledged politely
    unfollow          → the reporter is marked unreachable

Every function here runs inside the worker's transaction for one event; `handle()` returns the
LINE messages to answer with, which the caller queues in the outbox in that same transaction.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from incidents import actions, geo, triage
from incidents.errors import ActionRefused
from incidents.line import texts
from incidents.line.parser import Event
from incidents.models import Category, Incident, Message, Reporter

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

KEPT_STATE = ("profile_checked",)

STEP_AWAITING_LOCATION = "awaiting_location"
STEP_CATEGORY = "category"  # the case exists from a pin; we asked what is happening
STEP_DETAILS = "details"
STEP_OPEN = "open"


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
        if self.case is None and self.state.get("step") in (STEP_CATEGORY, STEP_DETAILS, STEP_OPEN):
            self.state = {}  # their case was closed meanwhile: start afresh

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

    def categories(self, key: str = "choose_category") -> Answer:
        return self.answer(texts.text(self.say(key), texts.category_buttons(self.lang, with_location=True)))

    def ask_details(self, *before: dict, first: bool = True) -> Answer:
        self.state["step"] = STEP_DETAILS
        prompt = texts.text(self.say("ask_details"), texts.details_buttons(self.lang, first=first))
        return self.answer(*before, prompt)

    # --- events --------------------------------------------------------------------------------

    def follow(self) -> Answer:
        actions.do_mark_reporter_reachable(self.reporter)
        welcome = self.say("welcome", categories=texts.categories_list(self.lang))
        return self.answer(texts.text(welcome, texts.category_buttons(self.lang, with_location=True)))

    def postback(self) -> Answer:
        data = self.event.postback
        label = (self.event.raw.get("postback") or {}).get("displayText") or data
        self.store(Message.Kind.POSTBACK, text=str(label)[:500], payload={"data": data})
        if data.startswith(texts.POSTBACK_CATEGORY):
            category = data.removeprefix(texts.POSTBACK_CATEGORY)
            if category in texts.REPORTABLE:
                return self.category(category)
        if data == texts.POSTBACK_OTHER:
            if self.case is None:
                self.state = {}
            return self.answer(texts.text(self.say("other")))
        if data == texts.POSTBACK_DETAILS_DONE:
            if self.case is None:
                return self.categories()
            self.state["step"] = STEP_OPEN
            return self.answer(texts.text(self.say("details_done", reference=self.case.reference)))
        if data in (texts.POSTBACK_CANCEL_YES, texts.POSTBACK_CANCEL_NO):
            return self.cancel_answer(data == texts.POSTBACK_CANCEL_YES)
        return self.case_or_categories()

    def category(self, category: str) -> Answer:
        if self.case is None:
            self.state = {"step": STEP_AWAITING_LOCATION, "category": category}
            return self.answer(texts.text(self.say("ask_location"), [texts.location_button(self.lang)]))
        if self.case.category == Category.UNSPECIFIED:
            self.case = actions.do_set_category(self.case, category)
        noted = texts.text(self.say("category_set", reference=self.case.reference))
        return self.ask_details(noted)

    def message(self) -> Answer:
        kind = self.event.message_kind
        if kind == "location":
            return self.location()
        if kind == "text":
            return self.text()
        raw_message = self.event.raw.get("message") or {}
        if kind == "image":
            # Fetched by incidents.line.media once it belongs to a case ("waiting" until then).
            content = "pending" if self.case is not None else "waiting"
            self.store(Message.Kind.IMAGE, payload={"message": raw_message, "content": content})
            if self.case is None:
                return self.categories()
            return self.detail_added()
        self.store(
            MESSAGE_KINDS.get(kind, Message.Kind.OTHER),
            text=self._describe(raw_message),
            payload={"message": raw_message},
        )
        thanks = texts.text(self.say("unsupported"))
        if self.case is None:
            return self.answer(
                thanks, texts.text(self.say("choose_category"), texts.category_buttons(self.lang, with_location=True))
            )
        if self.state.get("step") == STEP_DETAILS:
            return self.ask_details(thanks, first=False)
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
            return self.categories()
        if self.state.get("step") == STEP_DETAILS:
            return self.detail_added()
        # The case is open and the reporter is talking to the operators: the bot keeps quiet.
        return self.answer()

    def detail_added(self) -> Answer:
        if self.state.get("step") != STEP_DETAILS:
            return self.answer()
        added = self.say("detail_added", reference=self.case.reference)
        return self.answer(texts.text(added, texts.details_buttons(self.lang, first=False)))

    def location(self) -> Answer:
        event = self.event
        province_code, district_code = self.area or geo.resolve(event.latitude, event.longitude, event.address)
        raw_message = event.raw.get("message") or {}
        if self.case is not None:
            self.store(Message.Kind.LOCATION, text=event.address, payload={"message": raw_message})
            self.case = actions.do_update_location(
                self.case,
                latitude=event.latitude,
                longitude=event.longitude,
                address=event.address,
                province_code=province_code,
                district_code=district_code,
            )
            return self.answer(texts.text(self.say("location_added", reference=self.case.reference)))

        category = self.state.get("category") if self.state.get("step") == STEP_AWAITING_LOCATION else None
        self.case = actions.do_create_incident(
            reporter=self.reporter,
            category=category or Category.UNSPECIFIED,
            latitude=event.latitude,
            longitude=event.longitude,
            address=event.address,
            province_code=province_code,
            district_code=district_code,
            received_at=self.at,
        )
        self._attach_earlier_messages()
        self.store(Message.Kind.LOCATION, text=event.address, payload={"message": raw_message})
        created = texts.text(self.say("created", reference=self.case.reference))
        if category is None:
            self.state = {"step": STEP_CATEGORY}
            question = texts.text(
                self.say("ask_category_after_pin"), texts.category_buttons(self.lang, with_location=False)
            )
            return self.answer(created, question)
        self.state = {}
        return self.ask_details(created)

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
        self.state = {}
        answer = self.answer(texts.text(self.say("cancelled", reference=reference)))
        return answer

    def case_or_categories(self) -> Answer:
        return self.answer() if self.case is not None else self.categories()


def event_time(timestamp_ms: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(timestamp_ms / 1000, tz=dt.UTC) if timestamp_ms else timezone.now()
