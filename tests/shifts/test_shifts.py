"""Rosters, staff on duty, staffing against the expected load, and the structured hand-over."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from dispatch.staff import ensure_staff
from ess.models import Role
from incidents import triage
from incidents.errors import InvalidInput, NotAllowed
from incidents.models import IncidentEvent
from shifts import actions
from shifts.models import Handover, HandoverItem, RosterEntry
from tests.conftest import PASSWORD
from tests.factories import make_incident

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
BKK = ZoneInfo("Asia/Bangkok")


@pytest.fixture
def night_op(db):
    return ensure_staff("night_op", role=Role.OPERATOR, password=PASSWORD, national=True).user


@pytest.fixture
def op_cm(db):
    return ensure_staff("op_cm", role=Role.OPERATOR, password=PASSWORD, provinces=["50"]).user


def csv_of(*rows) -> str:
    return "date,shift,start,end,username,province\n" + "\n".join(rows) + "\n"


# --- the roster ------------------------------------------------------------------------------------------


def test_it_imports_a_roster_with_night_shifts_ending_the_next_morning(operator, night_op, supervisor_bkk):
    result = actions.import_roster(
        csv_of(
            "2026-12-01,เช้า,08:00,16:00,op,",
            "2026-12-01,ดึก,00:00,08:00,night_op,",
            "2026-12-01,night,22:00,06:00,sup_bkk,10",
        )
    )
    assert (result.created, result.replaced, result.errors) == (3, 0, [])
    night = RosterEntry.objects.get(user=supervisor_bkk)
    assert timezone.localtime(night.starts_at, BKK) == datetime(2026, 12, 1, 22, tzinfo=BKK)
    assert timezone.localtime(night.ends_at, BKK) == datetime(2026, 12, 2, 6, tzinfo=BKK)
    assert night.province_code == "10" and RosterEntry.objects.get(user=operator).province_code == ""
    # Re-importing a corrected row replaces it.
    again = actions.import_roster(csv_of("2026-12-01,เช้า,08:00,17:00,op,"))
    assert (again.created, again.replaced) == (0, 1)
    assert timezone.localtime(RosterEntry.objects.get(user=operator).ends_at, BKK).hour == 17


def test_a_roster_with_any_bad_row_imports_nothing_and_names_the_lines(operator, responder_bkk):
    result = actions.import_roster(
        csv_of(
            "2026-12-01,เช้า,08:00,16:00,op,",
            "2026-13-01,เช้า,08:00,16:00,op,",
            "2026-12-01,เช้า,08:00,16:00,nobody,",
            "2026-12-01,เช้า,08:00,16:00,resp_bkk,",
            "2026-12-01,เช้า,08:00,16:00,op,99",
            "2026-12-01,,08:00,16:00,op,",
        )
    )
    assert [e.split(":")[0] for e in result.errors] == ["Line 3", "Line 4", "Line 5", "Line 6", "Line 7"]
    assert not RosterEntry.objects.exists()
    assert "province" in actions.import_roster("date,shift,start,end,username\n").errors[0]


def test_the_import_roster_command(tmp_path, operator):
    good = tmp_path / "roster.csv"
    good.write_text(csv_of("2026-12-01,เช้า,08:00,16:00,op,"), encoding="utf-8")
    call_command("import_roster", str(good))
    assert RosterEntry.objects.count() == 1
    bad = tmp_path / "bad.csv"
    bad.write_text(csv_of("2026-12-01,เช้า,8am,16:00,op,"), encoding="utf-8")
    with pytest.raises(CommandError, match="Line 2"):
        call_command("import_roster", str(bad))


def roster(user, start, hours, province=""):
    return RosterEntry.objects.create(
        user=user, province_code=province, shift="s", starts_at=start, ends_at=start + timedelta(hours=hours)
    )


def test_staff_on_duty_is_the_roster_in_the_supervisors_reach(operator, night_op, op_cm, supervisor_bkk):
    now = timezone.now()
    roster(operator, now - timedelta(hours=1), 8)  # national centre: on duty now
    roster(op_cm, now - timedelta(hours=1), 8, province="50")  # Chiang Mai
    roster(night_op, now + timedelta(hours=2), 8)  # later
    assert [p["name"] for p in actions.on_duty(None, now)] == ["op", "op_cm"]
    assert [p["name"] for p in actions.on_duty(["10"], now)] == ["op"]  # a Bangkok supervisor: not Chiang Mai's


def test_expected_load_is_the_average_by_hour_of_the_last_eight_weeks(operator):
    now = datetime(2026, 11, 29, 12, 30, tzinfo=BKK)
    for day in (28, 21, 14):  # three reports at 21:xx Bangkok time within 8 weeks
        make_incident(received_at=datetime(2026, 11, day, 21, 10, tzinfo=BKK))
    make_incident(received_at=now - timedelta(weeks=9))  # too old
    make_incident(received_at=now - timedelta(minutes=5))  # today: not a finished day
    load = actions.expected_load_by_hour(None, now)
    assert load[21] == round(3 / 56, 2) and sum(load) == load[21]
    roster(operator, datetime(2026, 11, 29, 8, tzinfo=BKK), 12)  # 08:00–20:00
    hours = actions.staffing_by_hour(None, now)
    assert [h["hour"] for h in hours[:3]] == [12, 13, 14] and len(hours) == 24
    by_hour = {h["hour"]: h for h in hours}
    assert by_hour[12]["staff"] == 1 and by_hour[20]["staff"] == 0
    # Reports are expected at 21:00 and nobody is rostered: a thin hour, seen before it happens.
    assert by_hour[21]["thin"] and not by_hour[12]["thin"] and not by_hour[3]["thin"]


def test_the_dashboard_shows_the_roster_and_thin_hours(client, supervisor_bkk, operator):
    now = timezone.now()
    roster(operator, now - timedelta(hours=1), 4)
    make_incident(received_at=now - timedelta(days=2) + timedelta(hours=6))  # an hour nobody is rostered for
    client.force_login(supervisor_bkk)
    page = client.get("/dashboard/").content.decode()
    panel = page.split('id="shift-staffing"')[1].split("</section>")[0]
    assert "data-on-duty-count>1<" in panel and "op" in panel and "Thin hours" in panel


# --- hand-over -------------------------------------------------------------------------------------------


@pytest.fixture
def held(operator):
    a, b = make_incident(), make_incident()
    for case in (a, b):
        triage.claim(case.pk, operator)
    return a, b


def test_a_hand_over_needs_every_held_case_with_a_status_line(operator, night_op, held):
    a, b = held
    with pytest.raises(InvalidInput, match=b.reference):
        actions.do_hand_over(operator, night_op, [actions.ItemInput(a.pk, "รอ สน. ยืนยัน")])
    with pytest.raises(InvalidInput, match="one-line status"):
        actions.do_hand_over(operator, night_op, [actions.ItemInput(a.pk, " "), actions.ItemInput(b.pk, "ok")])
    with pytest.raises(InvalidInput, match="taking over"):
        actions.do_hand_over(operator, operator, [actions.ItemInput(a.pk, "x"), actions.ItemInput(b.pk, "y")])
    other = make_incident()
    with pytest.raises(InvalidInput, match="do not hold"):
        actions.do_hand_over(operator, night_op, [actions.ItemInput(other.pk, "x")])
    assert not Handover.objects.exists()
    a.refresh_from_db()
    assert a.claimed_by == operator


def test_a_hand_over_releases_or_hands_each_claim_and_notes_the_status(operator, night_op, held):
    a, b = held
    handover = actions.do_hand_over(
        operator,
        night_op,
        [
            actions.ItemInput(a.pk, "รอ สน.ปทุมวัน ยืนยันถึงที่เกิดเหตุ", handed_to=night_op),
            actions.ItemInput(b.pk, "ผู้แจ้งไม่ตอบ"),
        ],
        note="คืนนี้ฝนตก",
    )
    a.refresh_from_db(), b.refresh_from_db()
    assert a.claimed_by == night_op and b.claimed_by is None
    assert [(i.incident, i.claim) for i in handover.items.all()] == [
        (a, HandoverItem.Claim.HANDED),
        (b, HandoverItem.Claim.RELEASED),
    ]
    note = IncidentEvent.objects.filter(incident=a, kind="note").get()
    assert "รอ สน.ปทุมวัน" in note.data["text"] and note.actor == operator
    assert IncidentEvent.objects.filter(incident=a, kind="handed_over").exists()
    assert IncidentEvent.objects.filter(incident=b, kind="released").exists()


def test_a_case_handed_to_a_colleague_outside_its_province_rolls_the_whole_hand_over_back(
    operator, night_op, op_cm, held
):
    a, b = held
    with pytest.raises(NotAllowed):
        actions.do_hand_over(
            operator, night_op, [actions.ItemInput(a.pk, "x"), actions.ItemInput(b.pk, "y", handed_to=op_cm)]
        )
    assert not Handover.objects.exists()
    a.refresh_from_db()
    assert a.claimed_by == operator and not IncidentEvent.objects.filter(incident=a, kind="note").exists()


def test_only_the_incoming_operator_acknowledges(operator, night_op, supervisor_bkk):
    handover = actions.do_hand_over(operator, night_op, [])
    with pytest.raises(NotAllowed):
        actions.do_acknowledge(handover, supervisor_bkk)
    assert actions.do_acknowledge(handover, night_op).acknowledged_at is not None


def test_the_hand_over_form_refuses_a_tampered_post(client, operator, night_op, held):
    a, b = held
    client.force_login(operator)
    page = client.get("/shifts/handover/").content.decode()
    assert a.reference in page and b.reference in page
    # A case left out of the post (the form always lists every one): refused, nothing changed.
    answer = client.post("/shifts/handover/", {"incoming": night_op.pk, "case": [a.pk], f"status_{a.pk}": "x"})
    assert (
        answer.status_code == 200
        and b.reference in answer.content.decode()
        and "needs a status line" in answer.content.decode()
    )
    answer = client.post(
        "/shifts/handover/",
        {
            "incoming": night_op.pk,
            "case": [a.pk, b.pk],
            f"status_{a.pk}": "x",
            f"status_{b.pk}": "y",
            f"claim_{b.pk}": "999999",
        },
    )
    assert "Choose the colleague" in answer.content.decode()
    assert not Handover.objects.exists()
    answer = client.post(
        "/shifts/handover/",
        {
            "incoming": night_op.pk,
            "case": [a.pk, b.pk],
            f"status_{a.pk}": "x",
            f"status_{b.pk}": "y",
            f"claim_{b.pk}": night_op.pk,
        },
    )
    handover = Handover.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/shifts/handover/{handover.pk}/"
    # Another operator can neither see nor acknowledge it; the incoming one can.
    client.force_login(ensure_staff("someone", role=Role.OPERATOR).user)
    assert client.post(f"/shifts/handover/{handover.pk}/acknowledge/").status_code == 404
    client.force_login(night_op)
    assert "1 to acknowledge" in client.get("/console/").content.decode()
    client.post(f"/shifts/handover/{handover.pk}/acknowledge/")
    handover.refresh_from_db()
    assert handover.acknowledged_at is not None
