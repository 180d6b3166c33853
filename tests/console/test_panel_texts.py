"""Words on the Thai screen (#15 item 11): why an agency is recommended, in the operator's language."""

from incidents.models import Category
from tests.factories import make_incident

HTMX = {"HTTP_HX_REQUEST": "true"}


def test_the_reasons_for_an_agency_are_in_thai_on_the_thai_screen(client, operator, agencies, settings):
    settings.LANGUAGE_CODE = "th"
    case = make_incident(category=Category.THREAT)
    client.force_login(operator)  # no language cookie: Thai first
    body = client.get(f"/console/cases/{case.pk}/dispatch/", **HTMX).content.decode()
    assert "มีการทำร้ายหรือขู่จะทำร้าย" in body
    assert "only the police can stop it" not in body


def test_a_reason_an_administrator_wrote_is_shown_as_written(client, operator, agencies, settings):
    from dispatch.models import RoutingRule

    settings.LANGUAGE_CODE = "th"
    RoutingRule.objects.filter(category=Category.THREAT, agency_kind="police").update(why="ตำรวจท้องที่ระงับเหตุ")
    case = make_incident(category=Category.THREAT)
    client.force_login(operator)
    assert "ตำรวจท้องที่ระงับเหตุ" in client.get(f"/console/cases/{case.pk}/dispatch/", **HTMX).content.decode()


# --- canned replies never repeat what the bot sends by itself -------------------------------------------


def _norm(text) -> str:
    import re

    return re.sub(r"\{\w+\}|[\s\W_]+", "", str(text)).lower()


def _longest_common(a: str, b: str) -> str:
    from difflib import SequenceMatcher

    match = SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b))
    return a[match.a : match.a + match.size]


def automatic_messages() -> list[str]:
    """Everything the bot and the updates send without an operator, in Thai and English."""
    from dispatch import reporter_updates
    from incidents import triage
    from incidents.line import texts

    sources = [
        *texts.TEXTS.values(),
        *texts.STATUS_WORDS.values(),
        *reporter_updates.MESSAGES.values(),
        *triage.REFERRAL_MESSAGES.values(),
        triage.MERGED_MESSAGE,
        triage.UNMERGED_MESSAGE,
    ]
    return [_norm(texts.render(language, text)) for language in ("th", "en") for text in sources]


def default_replies() -> list[tuple[str, str, str]]:
    """(title, Thai, English) of the canned replies: those in the database, and the defaults as the
    migrations leave them (a transactional test elsewhere may have flushed the migration's rows)."""
    import importlib

    from console.models import CannedReply

    migration = importlib.import_module("console.migrations.0004_canned_replies_say_what_the_bot_does_not")
    shipped = [new for _old, new in migration.CHANGES]
    assert len(shipped) == 5
    return shipped + list(CannedReply.objects.values_list("title", "text_th", "text_en"))


def test_no_canned_reply_repeats_an_automatic_message(db):
    autos = automatic_messages()
    for title, *texts in default_replies():
        for text in texts:
            # Twelve letters in a row (spaces and punctuation aside) shared with an automatic message is a
            # repeat: "เจ้าหน้าที่กำลังเดินทางไป", "received your report", "will answer in this chat".
            shared = max((_longest_common(_norm(text), auto) for auto in autos), key=len)
            assert len(shared) < 12, (title, shared)


def test_canned_replies_suit_a_neighbour_reporting_for_someone_else(db):
    for title, text_th, text_en in default_replies():
        for words in ("ตำแหน่งของท่าน", "ไปหาคุณ", "ไปหาท่าน", "your location", "your current location"):
            assert words not in text_th and words not in text_en.lower(), (title, words)


def test_the_update_when_staff_set_off_names_the_scene_not_the_reporter(settings):
    from dispatch.reporter_updates import text_for

    th = text_for("en_route", "th", "ESS-2569-000001")
    assert "ที่เกิดเหตุ" in th and "หาคุณ" not in th and "หาท่าน" not in th
    assert "scene" in text_for("en_route", "en", "ESS-2569-000001")


# --- no stray separators where parts of a place are blank -------------------------------------------------


def test_a_place_with_blank_parts_has_no_stray_separator(client, operator):
    from incidents.models import Message

    case = make_incident(province_code="", district_code="", address="")
    Message.objects.create(
        reporter=case.reporter,
        incident=case,
        direction="in",
        kind="location",
        text="",
        payload={"message": {"type": "location", "latitude": 13.7466, "longitude": 100.5348}},
    )
    Message.objects.create(
        reporter=case.reporter, incident=case, direction="in", kind="location", text="หอพักแถว มช.", payload={}
    )
    client.force_login(operator)
    body = client.get(f"/console/case/{case.pk}/", **HTMX).content.decode()
    assert "📍 13.74660, 100.53480" in body
    assert "📍 หอพักแถว มช." in body
    assert " ," not in body and "> ·" not in body and "· </" not in body
    assert '<span class="small">13.74660, 100.53470</span>' in body
