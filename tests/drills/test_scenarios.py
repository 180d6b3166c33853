"""Scenario files: the five shipped ones, the checks a hand-written file goes through (each problem with
its path and line, in Thai or English), the administrator's upload, and tampered forms."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from drills import actions, scenarios
from drills.models import Drill, UploadedScenario
from incidents.line import texts

pytestmark = pytest.mark.django_db

BAD_YAML = """title: ฝึกซ้อม
category: fire
reporters:
  a: {}
  b: {duplicate_of: zz}
steps:
  - at: 10
    reporter: a
    say: "ช่วยด้วย"
  - at: 5
    reporter: x
    tap: threat
  - at: 20
    reporter: a
    pin: {latitude: 200, longitude: 100.5}
  - at: 30
    reporter: a
    say: hello
    photo: yes
"""


def problems(text: str, name: str = "s.yaml") -> list[tuple[str, int | None]]:
    with pytest.raises(scenarios.Invalid) as caught:
        scenarios.parse(text, name)
    return [(p.path, p.line) for p in caught.value.problems]


def test_five_shipped_scenarios_one_per_category_in_thai():
    shipped = scenarios.builtin()
    assert len(shipped) == 5
    assert sorted(s.category for s in shipped.values()) == sorted(texts.REPORTABLE)
    for scenario in shipped.values():
        assert any("\u0e00" <= ch <= "\u0e7f" for ch in scenario.title)  # Thai
    actions_used = {step["action"] for s in shipped.values() for step in s.steps}
    assert actions_used == {"say", "tap", "pin", "photo", "silent"}
    roles = [r for s in shipped.values() for r in s.reporters.values()]
    assert any(r.get("duplicate_of") for r in roles) and any(r.get("false_report") for r in roles)


def test_every_problem_is_named_by_its_path_and_line():
    found = problems(BAD_YAML)
    assert ("category", 2) in found
    assert ("reporters.b.duplicate_of", 5) in found
    assert ("steps[1].at", 10) in found  # before the step above it
    assert ("steps[1].reporter", 11) in found
    assert ("steps[2].pin.latitude", 15) in found
    assert ("steps[3]", 16) in found  # two actions in one step


def test_json_files_too_with_lines():
    text = '{"title": "x",\n "category": "threat",\n "reporters": {"a": {}},\n "steps": [\n'
    text += '  {"at": -1, "reporter": "a", "say": "x"}\n ]}'
    assert problems(text, "s.json") == [("steps[0].at", 5)]
    assert problems('{"title": "x",\n "category": }', "s.json") == [("", 2)]
    assert problems("title: [unclosed\n") == [("", 2)]
    assert problems("- just\n- a list\n") == [("", 1)]


def test_errors_read_in_thai_or_english():
    with translation.override("en"), pytest.raises(scenarios.Invalid) as english:
        scenarios.parse(BAD_YAML)
    assert "category (line 2): unknown category" in str(english.value)
    with translation.override("th"), pytest.raises(scenarios.Invalid) as thai:
        scenarios.parse(BAD_YAML)
    assert "category (บรรทัด 2)" in str(thai.value) and "unknown category" not in str(thai.value)


def test_only_an_admin_uploads_and_a_bad_file_is_refused_with_its_problems(
    client, admin_user, supervisor_bkk, settings
):
    settings.LANGUAGE_CODE = "en"
    client.force_login(supervisor_bkk)
    upload = SimpleUploadedFile("mine.yaml", BAD_YAML.encode())
    assert client.post("/drills/upload/", {"file": upload}).status_code == 403
    client.force_login(admin_user)
    response = client.post("/drills/upload/", {"file": SimpleUploadedFile("mine.yaml", BAD_YAML.encode())})
    page = response.content.decode()
    assert response.status_code == 400 and "data-problems" in page and "steps[2].pin.latitude (line 15)" in page
    assert not UploadedScenario.objects.exists()
    for name, data in (("x.txt", b"title: x"), ("x.yaml", b"\xff\xfe\x00bad"), ("x.yaml", b"a" * 500_000)):
        assert client.post("/drills/upload/", {"file": SimpleUploadedFile(name, data)}).status_code == 400
    assert client.post("/drills/upload/", {}).status_code == 400
    good = (scenarios.BUILTIN_DIR / "2-confinement.yaml").read_bytes().replace("เด็กถูกขัง".encode(), "ทดสอบ".encode())
    response = client.post("/drills/upload/", {"file": SimpleUploadedFile("../../etc/ours.yaml", good)})
    assert response.status_code == 302
    row = UploadedScenario.objects.get()
    assert row.name == "ours.yaml" and "ทดสอบ" in row.title
    assert "upload:ours.yaml" in actions.catalogue()
    assert "ทดสอบ" in client.get("/drills/upload:ours.yaml".replace("/drills/", "/drills/scenarios/")).content.decode()


def test_tampered_start_forms_are_refused_and_start_nothing(client, supervisor_bkk, operator, settings):
    settings.LANGUAGE_CODE = "en"
    client.force_login(supervisor_bkk)
    for data in (
        {"scenario": "nope.yaml", "province": "10"},
        {"scenario": "../../ess/settings.py", "province": "10"},
        {"scenario": "2-confinement.yaml", "province": "50"},  # not their province
        {"scenario": "2-confinement.yaml", "province": ""},  # national
        {"scenario": "2-confinement.yaml", "province": "10' OR 1=1"},
    ):
        response = client.post("/drills/start/", data)
        assert response.status_code == 400 and 'role="alert"' in response.content.decode(), data
    assert client.get("/drills/scenarios/..%2F..%2Fess%2Fsettings.py").status_code == 404
    client.force_login(operator)
    assert client.post("/drills/start/", {"scenario": "2-confinement.yaml", "province": "10"}).status_code == 403
    assert not Drill.objects.exists()
    client.force_login(supervisor_bkk)
    response = client.post("/drills/start/", {"scenario": "2-confinement.yaml", "province": "10"})
    assert response.status_code == 302 and Drill.objects.get().province_code == "10"
