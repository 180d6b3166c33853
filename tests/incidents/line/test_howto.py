"""The "how to use ESS" cards: a Flex carousel from the rich menu's "วิธีใช้งาน" area and the welcome."""

import pytest

from incidents.line import richmenu, texts
from incidents.models import Incident

USER = "U" + "9" * 32


def card_texts(message: dict) -> list[tuple[str, str]]:
    return [tuple(c["text"] for c in bubble["body"]["contents"]) for bubble in message["contents"]["contents"]]


def test_the_rich_menus_how_to_area_brings_the_four_cards_in_thai(line, settings):
    settings.SLA_TRIAGE_MINUTES = 8
    (area,) = [t.action for t in richmenu.tiles() if t.action.get("data") == texts.POSTBACK_HOWTO]
    line.say(line.tap(USER, area["data"]))
    message = line.last_to(USER)
    assert message["type"] == "flex" and message["contents"]["type"] == "carousel"
    assert 0 < len(message["altText"]) <= 400
    cards = card_texts(message)
    assert len(cards) == 4 <= 12
    (what, _), (send, _), (nxt, after), (_, offence) = cards
    assert (what, send, nxt) == ("ESS รับแจ้งเหตุอะไร", "ส่งอะไรมาได้บ้าง", "แล้วจะเกิดอะไรต่อ")
    for category in texts.REPORTABLE:
        assert texts.category_name("th", category) in cards[0][1]
    assert "8 นาที" in after
    assert "ความผิดตามกฎหมาย" in offence and all(n in offence for n in ("191", "1669", "1300"))
    assert not Incident.objects.exists()  # learning how to use it is not a report
    assert line.outbound(USER)[-1].text == message["altText"]  # the console's chat shows something readable


def test_the_welcome_offers_the_cards_and_they_come_in_the_reporters_language(line):
    line.platform.set_profile(USER, language="en")
    line.say(line.event("follow", USER))
    (howto,) = [b for b in line.quick_reply(USER) if b.get("data") == texts.POSTBACK_HOWTO]
    assert howto["label"] == "How to use ESS"
    line.say(line.tap(USER, howto["data"]))
    cards = card_texts(line.last_to(USER))
    assert [title for title, _ in cards] == [
        "What ESS takes",
        "What to send",
        "What happens next",
        "Not for ESS, and false reports",
    ]


@pytest.mark.parametrize("language", ["th", "en"])
def test_every_card_is_translated_in_the_catalogue(language):
    message = texts.howto_carousel(language, minutes=10)
    assert all(title and body for title, body in card_texts(message))
    if language == "th":
        assert all(any("\u0e00" <= ch <= "\u0e7f" for ch in title + body) for title, body in card_texts(message))
