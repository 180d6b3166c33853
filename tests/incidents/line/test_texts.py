"""Every text a citizen reads is in the one gettext catalogue (locale/), in the reporter's language."""

import re

import pytest

from dispatch import reporter_updates
from incidents import triage
from incidents.line import texts
from incidents.models import Hotline

THAI = re.compile(r"[\u0e00-\u0e7f]")


def citizen_texts(language: str) -> list[str]:
    out = [texts.render(language, t) for t in texts.TEXTS.values()]
    out += [texts.category_label(language, c) for c in texts.REPORTABLE]
    out += [texts.category_name(language, c) for c in texts.REPORTABLE]
    out += [texts.status_words(language, s) for s in texts.STATUS_WORDS]
    out += [triage.referral_message(h, language) for h in Hotline.values]
    out += [triage.referral_message(h, language, neutral=True) for h in Hotline.values]
    out += [reporter_updates.text_for(s, language, "ESS-2569-000001") for s in reporter_updates.MESSAGES]
    return out


def test_it_has_a_thai_translation_for_every_citizen_text():
    untranslated = [t for t in citizen_texts("th") if not THAI.search(t)]
    assert untranslated == []


@pytest.mark.parametrize("language", ["en", "en-US"])
def test_it_answers_an_english_reporter_in_english_whatever_the_request_language(language, settings):
    settings.LANGUAGE_CODE = "th"
    assert [t for t in citizen_texts(language) if THAI.search(t)] == []


def test_it_falls_back_to_thai_for_a_language_it_does_not_speak():
    assert texts.say("ja", "no_case") == texts.say("th", "no_case")


@pytest.mark.parametrize("language", ["th", "en"])
def test_later_messages_name_the_hotline_that_fits(language):
    update = lambda status: reporter_updates.text_for(status, language, "ESS-2569-000001")  # noqa: E731
    assert "191" in update("dispatched")  # help is being arranged: a life in danger can't wait for it
    assert "1300" in update("resolved")  # what is left is not an emergency
    assert "191" in texts.say(language, "details_done", reference="x")
    assert "1300" in texts.say(language, "cancelled", reference="x")
    assert "191" in triage.referral_message(Hotline.MEDICAL_1669, language)


def test_updates_are_worded_for_a_neighbour_as_well_as_the_person_in_danger():
    assert "หาคุณ" not in reporter_updates.text_for("en_route", "th", "x")  # not "on their way to you"
    assert "to you" not in reporter_updates.text_for("en_route", "en", "x")
