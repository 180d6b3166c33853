"""What the bot says to citizens, through gettext like every other text (one catalogue for translators).

Each text is rendered in the reporter's own language (Reporter.language, from their LINE profile), not
the request's: `say()` switches to it for the one text. Thai is the default.
Quick-reply labels are at most 20 characters (LINE's limit); postback data starts with "ess:".
"""

from django.utils import translation
from django.utils.translation import pgettext_lazy

from incidents.models import Category

TH, EN = "th", "en"

# What the bot says, keyed by purpose. English msgids in the one catalogue (locale/), context "LINE" so a
# translator sees these are read by citizens in distress on a phone: keep them short and plain.
TEXTS = {
    # Short: a person in danger reads the first two lines. What ESS takes, what to send and the rest
    # are in the "how to use ESS" cards (rich menu, and the welcome's quick reply).
    "welcome": pgettext_lazy(
        "LINE",
        "Hello, this is ESS Help Me, the ministry's 24-hour line for social emergencies.\n"
        "Type what is happening, choose below, or send your location.\n"
        "A life in danger: call 191 · a medical emergency: 1669. False reports are an offence.",
    ),
    "other": pgettext_lazy(
        "LINE",
        "ESS takes only the five kinds of urgent case. For anything else:\n"
        "• danger to life or a crime: call 191\n• a medical emergency: call 1669\n"
        "• other social problems: the 1300 hotline",
    ),
    "ask_location": pgettext_lazy(
        "LINE",
        "Where is it happening? Tap “Send location” below; if you can't, tap “Can't send location” and type the place.",
    ),
    "created": pgettext_lazy(
        "LINE",
        "Report received. Your reference is {reference}.\n"
        "An operator will answer in this chat within about {minutes} minutes. "
        "A life in danger now: call 191 · someone hurt: 1669.",
    ),
    "ask_place": pgettext_lazy(
        "LINE", "Type the place: a building, dormitory, road, subdistrict, district or province."
    ),
    "place_noted": pgettext_lazy("LINE", "Place received ({reference})."),
    "say_what_happened": pgettext_lazy("LINE", "Type what is happening, or choose below."),
    "ask_category_after_pin": pgettext_lazy("LINE", "If you can, tell us what is happening (choose below)."),
    # After the reporter already wrote what happened: only what words cannot give.
    "ask_photos": pgettext_lazy("LINE", "If you can do it safely, send a photo, or tap “Skip”."),
    "ask_details": pgettext_lazy(
        "LINE", "If you can, type more details or send a photo (who is in danger, any weapon?), or tap “Skip”."
    ),
    "category_set": pgettext_lazy("LINE", "Got it, we noted what is happening ({reference})."),
    "detail_added": pgettext_lazy("LINE", "Received and added to {reference}. Send more, or tap “Done”."),
    "details_done": pgettext_lazy(
        "LINE", "Thank you. An operator will answer you in this chat ({reference}). If danger grows, call 191."
    ),
    "location_added": pgettext_lazy("LINE", "New location received and added to {reference}."),
    "unsupported": pgettext_lazy("LINE", "Received, thank you. Text or a photo helps our operators most."),
    "confirm_cancel": pgettext_lazy("LINE", "Do you want to cancel {reference}?"),
    "cancelled": pgettext_lazy(
        "LINE", "{reference} is cancelled. Write to us any time, day or night. Other social problems: call 1300."
    ),
    "not_cancelled": pgettext_lazy("LINE", "Not cancelled: {reference} is still open."),
    "cannot_cancel": pgettext_lazy(
        "LINE", "Help is already on the way for {reference}; it cannot be cancelled here. An operator will contact you."
    ),
    "status": pgettext_lazy("LINE", "{reference}: {status}"),
    "no_case": pgettext_lazy("LINE", "You have no open report right now."),
    "neutral_notice": pgettext_lazy("LINE", "You have a new message. Open the chat when it is safe."),
    "btn_location": pgettext_lazy("LINE", "Send location"),
    "btn_other": pgettext_lazy("LINE", "Something else"),
    "btn_no_location": pgettext_lazy("LINE", "Can't send location"),
    # Neutral words: someone else may read the phone. "No" makes the reporter safe contact only.
    # The "how to use ESS" cards (rich menu "วิธีใช้งาน", the welcome's quick reply).
    "btn_howto": pgettext_lazy("LINE", "How to use ESS"),
    "howto_alt": pgettext_lazy(
        "LINE", "How to use ESS Help Me: what counts, what to send, what happens next, false reports."
    ),
    "howto_what_title": pgettext_lazy("LINE", "What ESS takes"),
    "howto_what": pgettext_lazy("LINE", "Urgent social emergencies of five kinds:\n{categories}"),
    "howto_send_title": pgettext_lazy("LINE", "What to send"),
    "howto_send": pgettext_lazy(
        "LINE",
        "Type what is happening. Send your location, or type the place if you can't. "
        "A photo helps, if you can take it safely. Each step is optional: the first message is enough.",
    ),
    "howto_next_title": pgettext_lazy("LINE", "What happens next"),
    "howto_next": pgettext_lazy(
        "LINE",
        "You get a case number at once. An operator answers in this chat within about {minutes} minutes "
        "and sends police or ministry staff when needed. Type “status” to see where your case stands.",
    ),
    "howto_false_title": pgettext_lazy("LINE", "Not for ESS, and false reports"),
    "howto_false": pgettext_lazy(
        "LINE",
        "A false report is an offence under the law, and it takes help away from someone in danger. "
        "A life in danger: 191 · a medical emergency: 1669 · other social problems: 1300.",
    ),
    "privacy_link": pgettext_lazy("LINE", "How we use your information: {url}"),
    "ask_safe": pgettext_lazy("LINE", "Is it safe for us to message you first, or should we wait until you write?"),
    "safe_yes": pgettext_lazy("LINE", "Noted. We may message you first."),
    "safe_no": pgettext_lazy("LINE", "Noted. We will write only after you write to us, and keep our messages short."),
    "btn_safe_yes": pgettext_lazy("LINE", "You can message me"),
    "btn_safe_no": pgettext_lazy("LINE", "Wait until I write"),
    "btn_skip": pgettext_lazy("LINE", "Skip"),
    "btn_done": pgettext_lazy("LINE", "Done"),
    "btn_camera": pgettext_lazy("LINE", "Take photo"),
    "btn_photos": pgettext_lazy("LINE", "Choose photo"),
    "btn_yes_cancel": pgettext_lazy("LINE", "Yes, cancel"),
    "btn_no_cancel": pgettext_lazy("LINE", "No, keep it"),
}
# A short label for each category's quick-reply button (≤ 20 characters); the full name is the model's.
CATEGORY_LABELS = {
    Category.THREAT: pgettext_lazy("LINE", "Threat / harm"),
    Category.CONFINEMENT: pgettext_lazy("LINE", "Held / confined"),
    Category.SEXUAL_ABUSE_RISK: pgettext_lazy("LINE", "Sexual abuse risk"),
    Category.DERANGED_PERSON: pgettext_lazy("LINE", "Person in frenzy"),
    Category.GANG_GATHERING: pgettext_lazy("LINE", "Gang / gathering"),
}
# What the reporter sees as their case's status: plain words, not the console's vocabulary.
STATUS_WORDS = {
    "new": pgettext_lazy("LINE", "received, waiting for an operator"),
    "triaged": pgettext_lazy("LINE", "checked by an operator; help is being arranged"),
    "dispatched": pgettext_lazy("LINE", "passed to a response team"),
    "acknowledged": pgettext_lazy("LINE", "the response team has it"),
    "en_route": pgettext_lazy("LINE", "help is on the way"),
    "on_scene": pgettext_lazy("LINE", "help has arrived"),
    "resolved": pgettext_lazy("LINE", "resolved"),
    "closed": pgettext_lazy("LINE", "closed"),
    "duplicate": pgettext_lazy("LINE", "merged with an earlier report"),
    "false_report": pgettext_lazy("LINE", "closed"),
    "referred": pgettext_lazy("LINE", "referred to the right service"),
    "cancelled": pgettext_lazy("LINE", "cancelled"),
}
REPORTABLE = list(CATEGORY_LABELS)

CANCEL_WORDS = {"ยกเลิก", "cancel"}
STATUS_WORDS_IN = {"สถานะ", "status"}

POSTBACK_CATEGORY = "ess:category="
POSTBACK_OTHER = "ess:other"
POSTBACK_DETAILS_DONE = "ess:details=done"
POSTBACK_CANCEL_YES = "ess:cancel=yes"
POSTBACK_CANCEL_NO = "ess:cancel=no"
POSTBACK_NO_LOCATION = "ess:location=none"
POSTBACK_SAFE_YES = "ess:safe=yes"
POSTBACK_SAFE_NO = "ess:safe=no"
# The "how to use ESS" cards. Also the data of the rich menu's "how to use" area (incidents.line's
# rich-menu set-up sends it; keep the two the same).
POSTBACK_HOWTO = "ess:howto"
HOWTO_CARDS = ("what", "send", "next", "false")


def lang(language: str) -> str:
    return EN if (language or "").lower().startswith("en") else TH


def render(language: str, text) -> str:
    """A lazy text in the reporter's language."""
    with translation.override(lang(language)):
        return str(text)


def say(language: str, key: str, **values) -> str:
    return render(language, TEXTS[key]).format(**values)


def category_name(language: str, category: str) -> str:
    return render(language, Category(category).label) if category in REPORTABLE else ""


def category_label(language: str, category: str) -> str:
    return render(language, CATEGORY_LABELS[category])


def status_words(language: str, status: str) -> str:
    return render(language, STATUS_WORDS[status]) if status in STATUS_WORDS else status


def categories_list(language: str) -> str:
    return "\n".join(f"{i}. {category_name(language, c)}" for i, c in enumerate(REPORTABLE, start=1))


# --- LINE message objects ---------------------------------------------------------------------------


def text(body: str, quick_reply: list[dict] | None = None) -> dict:
    message: dict = {"type": "text", "text": body[:5000]}
    if quick_reply:
        message["quickReply"] = {"items": quick_reply[:13]}
    return message


def _postback(label: str, data: str, display: str) -> dict:
    return {
        "type": "action",
        "action": {"type": "postback", "label": label[:20], "data": data, "displayText": display[:300]},
    }


def location_button(language: str) -> dict:
    return {"type": "action", "action": {"type": "location", "label": say(language, "btn_location")[:20]}}


def location_buttons(language: str) -> list[dict]:
    """The pin, asked for but never required: "can't send my location" takes the place in words."""
    label = say(language, "btn_no_location")
    return [location_button(language), _postback(label, POSTBACK_NO_LOCATION, label)]


def howto_carousel(language: str, *, minutes: int) -> dict:
    """The "how to use ESS" cards as one LINE Flex carousel (≤ 12 bubbles; altText ≤ 400 characters)."""
    values = {"categories": "\n".join(f"• {category_name(language, c)}" for c in REPORTABLE), "minutes": minutes}
    bubbles = []
    for card in HOWTO_CARDS:
        title, body = say(language, f"howto_{card}_title"), say(language, f"howto_{card}", **values)
        bubbles.append(
            {
                "type": "bubble",
                "size": "kilo",
                "body": {
                    "type": "box",
                    "layout": "vertical",
                    "spacing": "md",
                    "contents": [
                        {"type": "text", "text": title, "weight": "bold", "size": "lg", "wrap": True},
                        {"type": "text", "text": body, "size": "sm", "wrap": True},
                    ],
                },
            }
        )
    return {
        "type": "flex",
        "altText": say(language, "howto_alt")[:400],
        "contents": {"type": "carousel", "contents": bubbles},
    }


def howto_button(language: str) -> dict:
    label = say(language, "btn_howto")
    return _postback(label, POSTBACK_HOWTO, label)


def category_buttons(language: str, *, with_location: bool) -> list[dict]:
    items = [
        _postback(category_label(language, c), POSTBACK_CATEGORY + c, category_name(language, c)) for c in REPORTABLE
    ]
    items.append(_postback(say(language, "btn_other"), POSTBACK_OTHER, say(language, "btn_other")))
    if with_location:
        items.append(location_button(language))
    return items


def details_buttons(language: str, *, first: bool) -> list[dict]:
    label = say(language, "btn_skip" if first else "btn_done")
    return [
        {"type": "action", "action": {"type": "camera", "label": say(language, "btn_camera")[:20]}},
        {"type": "action", "action": {"type": "cameraRoll", "label": say(language, "btn_photos")[:20]}},
        location_button(language),
        _postback(label, POSTBACK_DETAILS_DONE, label),
    ]


def safe_buttons(language: str) -> list[dict]:
    yes, no = say(language, "btn_safe_yes"), say(language, "btn_safe_no")
    return [_postback(yes, POSTBACK_SAFE_YES, yes), _postback(no, POSTBACK_SAFE_NO, no)]


def cancel_buttons(language: str) -> list[dict]:
    return [
        _postback(say(language, "btn_yes_cancel"), POSTBACK_CANCEL_YES, say(language, "btn_yes_cancel")),
        _postback(say(language, "btn_no_cancel"), POSTBACK_CANCEL_NO, say(language, "btn_no_cancel")),
    ]
