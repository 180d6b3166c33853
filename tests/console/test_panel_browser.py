"""The case panel at 1366×768 in real chromium (#15 item 4): its working strip — claim, category, priority,
the reporter's own words, the recommended agencies with Assign, the reply — fits the screen without
scrolling; the confirmation of Assign stays in view; the main map flies to the case and shows the
agencies near it."""

import pytest

from console.models import CannedReply
from dispatch.models import Agency, AgencyArea, AgencyKind
from incidents.models import Message
from tests.browser import in_thread, login
from tests.factories import make_incident

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORDS = "ช่วยด้วยค่ะ เพื่อนบ้านกำลังทุบตีภรรยาอยู่ ได้ยินเสียงร้องไห้กรีดร้อง"
VIEWPORT_HEIGHT = 768


def a_busy_bangkok_case():
    """A case as operators meet them: words in the chat, several agencies of two kinds covering it."""
    for code, kind, name in (
        ("bkk-police-2", AgencyKind.POLICE, "สน.ลุมพินี"),
        ("bkk-pmj", AgencyKind.PROVINCIAL_MSDHS, "สำนักงานพัฒนาสังคมและความมั่นคงของมนุษย์ กรุงเทพมหานคร"),
        ("bkk-1300", AgencyKind.HOTLINE_1300, "ศูนย์ช่วยเหลือสังคม OSCC 1300"),
    ):
        agency = Agency.objects.create(
            code=code, name=name, kind=kind, province_code="10", latitude=13.73, longitude=100.54
        )
        AgencyArea.objects.create(agency=agency, province_code="10")
    CannedReply.objects.create(title="รับเรื่องแล้ว", text_th="เจ้าหน้าที่ได้รับเรื่องแล้ว", text_en="We have it.")
    case = make_incident(description="")
    for text in (WORDS, "ถนนพระรามที่ 1 แขวงปทุมวัน เขตปทุมวัน กรุงเทพมหานคร 10330", "ข้าม"):
        Message.objects.create(reporter=case.reporter, incident=case, direction="in", kind="text", text=text)
    return case


def box(page, selector: str) -> dict:
    handle = page.locator(selector).first
    assert handle.is_visible(), f"{selector} is not visible"
    return handle.bounding_box()


def test_the_working_strip_fits_1366x768_without_scrolling(page, agencies, operator):
    case = in_thread(a_busy_bangkok_case)
    login(page, operator)  # Thai, the operators' language (and the longer labels)
    page.goto(f"/console/?case={case.pk}")
    page.wait_for_selector("#panel .assign-form button[data-key=a]")
    panel = box(page, "#panel")
    assert panel["y"] + panel["height"] <= VIEWPORT_HEIGHT
    working = {
        "claim": "#panel button[data-action=claim]",
        "category": "#panel select[name=category]",
        "priority": "#panel select[name=priority]",
        "words": "#panel [data-words]",
        "recommended agency": '#panel [data-kind="police"] input[name=agency]',
        "assign": "#panel .assign-form button[data-key=a]",
        "reply": "#panel form.reply textarea[data-reply]",
        "send": "#panel form.reply button[type=submit]",
    }
    for name, selector in working.items():
        b = box(page, selector)
        assert b["y"] >= panel["y"] and b["y"] + b["height"] <= panel["y"] + panel["height"], (name, b, panel)
    # Nothing of the strip is hidden: it is not a scroll box, and the panel itself does not scroll.
    fits = "s => s.scrollHeight <= s.clientHeight + 1"
    assert page.eval_on_selector("#panel [data-strip]", fits)
    assert page.eval_on_selector("#panel", fits)
    # The reporter's own words, at the top, not "—" far down the chat.
    assert WORDS in page.inner_text("#panel [data-words]")
    # The timeline and the rest are below the strip, in their own scroll box.
    rest = box(page, "#panel .rest")
    assert rest["y"] >= box(page, "#panel form.reply")["y"]

    version = page.get_attribute("#panel .panel-body", "data-version")
    # Assign: the confirmation is in view, at the top of the strip, and stays after the panel refreshes.
    page.click("#panel .assign-form button[data-key=a]")
    page.wait_for_selector('#panel tr.assignment[data-status="pending"]', timeout=5000)
    notice = page.wait_for_selector("#panel [data-notices] .notice.ok", timeout=5000)
    assert "สน.ปทุมวัน" in notice.inner_text()
    # The case moved on to "dispatched": the panel re-reads itself, and the confirmation is still there.
    page.wait_for_function(f"document.querySelector('#panel .panel-body').dataset.version !== '{version}'")
    page.wait_for_selector('#panel .dispatch-panel tr.assignment[data-status="pending"]', timeout=5000)
    notice = page.locator("#panel [data-notices] .notice.ok")
    assert "สน.ปทุมวัน" in notice.inner_text()
    b = notice.bounding_box()
    assert b["y"] >= panel["y"] and b["y"] + b["height"] <= VIEWPORT_HEIGHT
    assert page.evaluate("document.getElementById('panel').scrollTop") == 0


def test_the_map_flies_to_the_open_case_and_shows_agencies_near_it(page, agencies, operator):
    case = in_thread(a_busy_bangkok_case)
    far = in_thread(make_incident, latitude=18.79, longitude=98.98, province_code="50", district_code="5001")
    login(page, operator, language="en")
    page.goto("/console/")
    page.wait_for_selector(f"#case-{case.pk}")
    page.click(f"#case-{case.pk}")
    page.wait_for_selector("#panel .assign-form")
    page.wait_for_selector("#map .agency-marker", timeout=3000)
    page.wait_for_timeout(900)  # the fly animation
    center = page.evaluate("() => { const m = window.__essMap, c = m.getCenter(); return [c.lat, c.lng, m.getZoom()] }")
    assert abs(center[0] - case.latitude) < 0.05 and abs(center[1] - case.longitude) < 0.05, center
    assert center[2] >= 12
    titles = page.eval_on_selector_all("#map .agency-marker", "els => els.map(e => e.title)")
    assert "สน.ปทุมวัน" in titles
    # Another case: the map follows it, and the first case's agencies are gone.
    page.click(f"#case-{far.pk}")
    page.wait_for_function(f"document.querySelector('#panel .panel-body').dataset.case === '{far.pk}'")
    page.wait_for_timeout(900)
    center = page.evaluate("() => { const c = window.__essMap.getCenter(); return [c.lat, c.lng] }")
    assert abs(center[0] - 18.79) < 0.1 and abs(center[1] - 98.98) < 0.1, center
    assert "สน.ปทุมวัน" not in page.eval_on_selector_all("#map .agency-marker", "els => els.map(e => e.title)")


def test_a_merge_shows_both_cases_side_by_side_before_it_happens(page, operator):
    from incidents.models import Incident, Status

    master = in_thread(make_incident, description="ผัวตีเมียที่หอพัก")
    dup = in_thread(make_incident, latitude=13.7468, longitude=100.5349, description="ได้ยินเสียงตีกัน")
    login(page, operator, language="en")
    page.goto(f"/console/?case={dup.pk}")
    page.wait_for_selector("#panel summary[data-key=d]")
    page.keyboard.press("d")
    page.click(f"#panel [data-open-dialog='merge-{master.pk}']")
    dialog = page.wait_for_selector(f"#merge-{master.pk}[open]")
    text = dialog.inner_text()
    assert dup.reference in text and master.reference in text and "ผัวตีเมียที่หอพัก" in text
    page.click(f"#merge-{master.pk} [data-close-dialog]")  # cancel: nothing happens
    assert Incident.objects.get(pk=dup.pk).status == Status.NEW
    page.click(f"#panel [data-open-dialog='merge-{master.pk}']")
    page.click(f"#merge-{master.pk} [data-confirm-merge]")
    page.wait_for_selector("#panel .notice.ok", timeout=3000)
    assert Incident.objects.get(pk=dup.pk).duplicate_of_id == master.pk
    assert master.reference in page.inner_text("#panel .conversation")  # the reporter was told


def test_a_supervisor_undoes_a_merge_in_a_dialog_and_a_double_click_undoes_it_once(page, operator, supervisor_bkk):
    from incidents import triage
    from incidents.models import Incident, IncidentEvent, Status

    master = in_thread(make_incident, description="ผัวตีเมียที่หอพัก")
    dup = in_thread(
        lambda: triage.mark_duplicate(
            make_incident(latitude=13.7468, longitude=100.5349, description="ได้ยินเสียงตีกัน"), master, operator
        )
    )
    login(page, supervisor_bkk, language="en")
    page.goto("/console/?status=duplicate")
    page.wait_for_selector("tr.case-row")
    queue_width = page.eval_on_selector(".queue-pane", "e => e.getBoundingClientRect().width")
    page.click(f"tr.case-row[data-id='{dup.pk}']")
    page.wait_for_selector("#panel [data-open-dialog^=unmerge-]")
    # Opening a case never narrows the queue, and the head says in full which case it was merged into.
    assert page.eval_on_selector(".queue-pane", "e => e.getBoundingClientRect().width") == queue_width
    assert page.eval_on_selector("#panel .head-status", "e => e.scrollWidth <= e.clientWidth")
    assert master.reference in page.inner_text("#panel .head-status")
    page.click("#panel [data-open-dialog^=unmerge-]")
    dialog = page.wait_for_selector(f"#unmerge-{dup.pk}[open]")
    assert dup.reference in dialog.inner_text() and master.reference in dialog.inner_text()
    page.fill(f"#unmerge-{dup.pk} input[name=reason]", "two different flats")
    page.dblclick(f"#unmerge-{dup.pk} [data-confirm-unmerge]")
    page.wait_for_selector("#panel .notice", timeout=5000)
    page.wait_for_timeout(500)
    fresh = Incident.objects.get(pk=dup.pk)
    assert (fresh.status, fresh.duplicate_of_id) == (Status.NEW, None)
    assert IncidentEvent.objects.filter(incident=master, kind="merge_undone").count() == 1
    assert "undone by a supervisor" in page.inner_text("#panel .timeline")
