"""Drill cases are absent from every real figure, through every entry point: the dashboard's page (its
figures and the cases behind them), its CSV export, the daily summary, /metrics, the shifts' expected
load by hour, and the overdue follow-ups (dashboard panel and API). Each figure is taken with the real
cases alone, then again after drills have played through the intake (cases today, one yesterday, one
with an overdue follow-up): nothing may change, and no drill reference may appear."""

import datetime as dt
import re

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from drills import actions as drill_actions
from drills import player
from incidents import actions
from incidents.line import parser
from incidents.line.models import LineEvent
from incidents.models import Incident, Reporter, Status
from referrals import actions as referral_actions
from referrals.models import FollowUpTask, ReferralKind
from shifts.actions import expected_load_by_hour
from tests.api.conftest import bearer
from tests.drills.conftest import run, start_past
from tests.factories import make_incident
from tests.referrals.conftest import followup_agencies  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
METRICS = "metrics-token"


def _body(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode("utf-8-sig")


def _minutes(line: str) -> str:
    """An age in seconds moves while the test runs: compared in whole minutes."""
    name, _sep, value = line.rpartition(" ")
    return f"{name} {int(float(value) // 60)}" if "age_seconds" in name else line


def resolved_with_overdue_followup(case, operator, agency):
    actions.do_set_flags(case, {"child": True})
    actions.do_transition(case.pk, Status.TRIAGED)
    actions.do_transition(case.pk, Status.RESOLVED)
    referral = referral_actions.do_refer(
        case, operator, kind=ReferralKind.CASE_WORKER, owner_agency=agency, person="child", reason="เด็กอยู่ลำพัง"
    )
    FollowUpTask.objects.filter(referral=referral).update(due_on=timezone.localdate() - dt.timedelta(days=2))


def figures(client, supervisor, admin, token) -> tuple[dict, str]:
    """Every real figure, and every page's text (to look for drill references in)."""
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    pages = {}
    client.force_login(supervisor)
    for name, url in {
        "today": "/dashboard/?range=today",
        "week": "/dashboard/?range=7d",
        "cases": "/dashboard/cases/?range=7d",
        "open": "/dashboard/cases/?range=today&when=now&open=1",
        "csv": "/dashboard/cases.csv?range=7d",
        "daily": f"/dashboard/daily/?day={yesterday.isoformat()}",
    }.items():
        response = client.get(url)
        assert response.status_code == 200, url
        pages[name] = _body(response)
    client.force_login(admin)
    pages["national"] = _body(client.get("/dashboard/?range=7d"))
    metrics = client.get("/metrics", headers={"Authorization": f"Bearer {METRICS}"}).content.decode()
    overdue_api = client.get("/api/referrals?overdue=true", **bearer(token)).json()["referrals"]
    found = {
        "kpis": {name: re.findall(r'data-kpi="(\w+)">([^<]*)<', text) for name, text in pages.items()},
        "csv_rows": len(pages["csv"].splitlines()),
        "cases_rows": pages["cases"].count("<tr"),
        "daily_rows": pages["daily"].count("<tr"),
        "metrics": sorted(
            _minutes(line) for line in metrics.splitlines() if line.startswith(("ess_cases", "ess_line_inbox_failed"))
        ),
        "load": expected_load_by_hour(None),
        "load_bkk": expected_load_by_hour(["10"]),
        "overdue_api": [r["case"] for r in overdue_api],
        "overdue_panel": pages["today"].split('id="followup-overdue"')[1].split("</section>")[0].count("<li"),
    }
    return found, "\n".join(pages.values()) + metrics


def test_drill_cases_are_absent_from_every_real_figure(
    drill_line,
    client,
    operator,
    supervisor_bkk,
    admin_user,
    settings,
    followup_agencies,  # noqa: F811
):
    from api.tokens import issue_token
    from ess.models import Role

    settings.METRICS_TOKEN = METRICS
    settings.DASHBOARD_CACHE_SECONDS = 0
    token = issue_token("sup", role=Role.SUPERVISOR, provinces=["10"]).secret
    yesterday_noon = timezone.now() - dt.timedelta(days=1)
    # The real world: a case today, one yesterday (the expected load counts days before today), and one
    # with an overdue follow-up.
    make_incident()
    make_incident(received_at=yesterday_noon)
    resolved_with_overdue_followup(make_incident(), operator, followup_agencies["pmj"])
    before, _text = figures(client, supervisor_bkk, admin_user, token)
    assert before["overdue_api"] and before["csv_rows"] == 4  # the figures see real cases (header + 3)

    # Drills: two scenarios played through the intake, and a drill reporter's case yesterday.
    for key in ("4-deranged-person.yaml", "5-gang-gathering.yaml"):
        run(drill_line, start_past(supervisor_bkk, key, "10"), 500)
    drill_cases = list(Incident.objects.filter(is_drill=True).order_by("-province_code", "pk"))
    assert len(drill_cases) == 4
    drill_reporter = Reporter.objects.filter(is_drill=True).first()
    drill_cases.append(
        actions.do_create_incident(reporter=drill_reporter, received_at=yesterday_noon, province_code="10")
    )
    assert drill_cases[-1].is_drill  # the one rule: a drill reporter's case is a drill case, whoever opens it
    resolved_with_overdue_followup(drill_cases[0], operator, followup_agencies["pmj"])
    # A drill event the intake refused (a drill event for a real reporter): not a lost real report.
    real_user = Incident.objects.real().exclude(reporter=None).first().reporter.line_user_id
    body = player.body_of([drill_line.text(real_user, "ข้อความซ้อม")])
    drill_line.post(body=body, signature=parser.signature(body, django_settings.LINE_CHANNEL_SECRET))
    drill_line.work()
    assert LineEvent.objects.filter(is_drill=True, state=LineEvent.State.FAILED).count() == 1

    after, text = figures(client, supervisor_bkk, admin_user, token)
    assert after == before
    for case in drill_cases:
        assert case.reference not in text
    # …while the drill's own pages and the API do list them, marked.
    assert {c["drill"] for c in client.get("/api/cases", **bearer(token)).json()["items"]} == {True, False}
    assert drill_actions.cases_of(drill_actions.visible(supervisor_bkk).first()).exists()
