"""#11: the permission matrix, generated from the URL confs. Every route × the outsiders: anonymous, an
operator of another province, a responder of another agency, a responder whose assignment ended, a
supervisor of another province, a deactivated user and a logged-out session. A route without an entry
in MATRIX fails the test, so a new route has to say who may reach it. (A logged-out session's open
websocket: tests/security/test_websocket_sessions.py.)"""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from dispatch.assignments import Pick, do_assign, do_cancel
from dispatch.models import Agency, AgencyArea, AgencyKind
from dispatch.staff import ensure_staff
from ess.models import Role
from incidents import actions
from referrals.actions import do_refer
from referrals.models import ReferralKind
from tests.conftest import PASSWORD
from tests.factories import make_incident
from tests.referrals.conftest import resolved_case

pytestmark = pytest.mark.django_db

# kind: "case" — about the Bangkok case: every outsider is refused (login, 401, 403, 404, 405) and never
# sees its reference; "page" — a screen or list an outsider may open, which must not show the case;
# "public" — open to anyone by design (it must not show the case either); "console" — a console page
# (operators, supervisors, admins) that is not about one case: the other province's operator and supervisor
# may open it without seeing the case, everyone else is refused; "audit" — supervisors' and admins' pages:
# the other province's supervisor may open them without seeing the case, everyone else is refused.
MATRIX = {
    "home": ("page", "get"),
    "healthz": ("public", "get"),
    "metrics": ("public", "get"),
    "login": ("public", "get"),
    # The second factor and each person's security page: any logged-in member of staff, about themselves.
    "accounts:two_factor": ("page", "get"),
    "accounts:two_factor_setup": ("page", "get"),
    "accounts:security": ("page", "get"),
    "accounts:recovery_codes": ("page", "post"),
    # The staff security page (unlock, reset two-factor): supervisors, for their provinces, and admins.
    "accounts:staff": ("audit", "get"),
    "accounts:unlock": ("audit", "post"),
    "accounts:reset_two_factor": ("audit", "post"),
    "logout": ("public", "post"),
    "set_language": ("public", "post"),
    "admin/*": ("admin", "get"),
    "api:openapi-json": ("page", "get"),
    "api:openapi-view": ("page", "get"),
    "api:api-root": ("page", "get"),
    "api:case_list": ("page", "get"),
    "api:case_detail": ("case", "get"),
    "api:case_eidd": ("case", "get"),
    "api:attachment": ("case", "get"),
    "api:events": ("page", "get"),
    "api:agencies": ("page", "get"),
    "api:agency": ("page", "get"),
    "api:responders": ("page", "get"),
    "api:referral_list": ("page", "get"),
    "api:referral_detail": ("case", "get"),
    **{
        f"api:{name}": ("case", "post")
        for name in (
            "case_claim",
            "case_release",
            "case_take_over",
            "case_triage",
            "case_note",
            "case_duplicate",
            "case_duplicate_undo",
            "case_false_report",
            "case_false_report_confirm",
            "case_false_report_reverse",
            "case_refer",
            "case_cancel",
            "case_close",
            "case_reply",
            "case_assign",
            "case_safe_contact",
            "case_flags",
            "case_refer_followup",
            "referral_add_task",
            "referral_close",
            "referral_task_done",
            "case_stand_down",
            "assignment_status",
            "assignment_reassign",
        )
    },
    "line:webhook": ("public", "post"),
    "line:attachment": ("case", "get"),
    "line:failures": ("console", "get"),
    "line:failures_alert": ("console", "get"),
    "line:failure_open_case": ("console", "post"),
    "line:failure_retry": ("console", "post"),
    "line:message_resend": ("console", "post"),
    "privacy": ("public", "get"),
    "privacy:access_log": ("audit", "get"),
    "privacy:access_log_csv": ("audit", "get"),
    "privacy:legal_holds": ("audit", "get"),
    "responder:home": ("page", "get"),
    "responder:assignments": ("page", "get"),
    "responder:step": ("case", "post"),
    "responder:photo": ("case", "get"),
    "responder:position": ("page", "post"),
    "responder:duty": ("page", "post"),
    "responder:manifest": ("public", "get"),
    "responder:service_worker": ("public", "get"),
    "referrals:list": ("page", "get"),
    "referrals:detail": ("case", "get"),
    "referrals:add_task": ("case", "post"),
    "referrals:close": ("case", "post"),
    "referrals:complete_task": ("case", "post"),
    "referrals:set_flags": ("case", "post"),
    "referrals:refer": ("case", "post"),
    "shifts:handover": ("console", "get"),
    "shifts:handover_detail": ("console", "get"),
    "shifts:acknowledge": ("console", "post"),
    "shifts:roster": ("console", "get"),
    # Drills (#17): the list and the shipped scenario files are console pages; starting one is for
    # supervisors and admins; uploading for admins; a drill, its report and its CSV are 404 to anyone
    # who may not see it (no drill exists in this world).
    "drills:index": ("console", "get"),
    "drills:banner": ("console", "get"),
    "drills:scenario": ("console", "get"),
    "drills:start": ("audit", "post"),
    "drills:upload": ("case", "post"),
    "drills:detail": ("case", "get"),
    "drills:stop": ("case", "post"),
    "drills:report": ("case", "get"),
    "drills:cases_csv": ("case", "get"),
    "api:drill_list": ("page", "get"),
    "api:drill_detail": ("case", "get"),
    "api:drill_report": ("case", "get"),
    "console:home": ("page", "get"),
    "console:queue": ("page", "get"),
    "console:staff": ("page", "get"),
    "console:hand_over_all": ("page", "post"),
    "console:alerts": ("console", "post"),
    "console:case": ("case", "get"),
    "console:reveal_reporter": ("case", "post"),
    "console:merge_preview": ("case", "get"),
    "console:act": ("case", "post"),
    "dispatch:panel": ("case", "get"),
    "dispatch:assign": ("case", "post"),
    "dispatch:cancel": ("case", "post"),
    "dispatch:reassign": ("case", "post"),
    "dispatch:step": ("case", "post"),
    "dashboard:home": ("page", "get"),
    "dashboard:cases": ("page", "get"),
    "dashboard:export": ("page", "get"),
    "dashboard:daily": ("page", "get"),
    "demo:simulator": ("page", "get"),
    "demo:simulator-send": ("page", "post"),
    "demo:simulator-feed": ("page", "get"),
}
# 422: an API body refused before the case is looked at (the same answer whether it exists or not).
REFUSED = {302, 401, 403, 404, 405, 422}
# Who of the outsiders may open a "console" or "audit" page (never seeing the case on it).
ADMITTED = {"console": {"operator_cm", "supervisor_cm"}, "audit": {"supervisor_cm"}}
OUTSIDERS = [
    "anonymous",
    "operator_cm",
    "responder_cm",
    "responder_ended",
    "supervisor_cm",
    "deactivated",
    "logged_out",
]


def routes(patterns=None, prefix="", namespace=""):
    for p in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(p, URLResolver):
            if p.namespace == "admin":
                yield "admin/*", "/admin/", p
                continue
            ns = namespace + (f"{p.namespace}:" if p.namespace else "")
            yield from routes(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            yield namespace + (p.name or str(p.pattern)), prefix + str(p.pattern), p


@pytest.fixture
def world(agencies, operator, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    case = make_incident(description="ความลับของผู้แจ้ง")
    # A Bangkok follow-up (on a resolved Bangkok case with a child) that the referral routes name, so they
    # answer about a real referral and task: scoping refuses the outsiders, not a missing row.
    pmj = Agency.objects.create(
        code="bkk-pmj", name="พมจ.กรุงเทพมหานคร", kind=AgencyKind.PROVINCIAL_MSDHS, province_code="10"
    )
    AgencyArea.objects.create(agency=pmj, province_code="10")
    followed = resolved_case(description="ความลับของผู้แจ้ง")
    referral = do_refer(
        followed, operator, kind=ReferralKind.CASE_WORKER, owner_agency=pmj, person="child", reason="เด็กอยู่ลำพัง"
    )
    task = referral.tasks.order_by("pk").first()
    [assignment] = do_assign(case, [Pick(agencies["bkk"])], actor=operator)
    photo = actions.do_attach_file(case, None, name="p.jpg", content=b"not an image", content_type="image/jpeg")
    ensure_staff("resp_bkk", role=Role.RESPONDER, password=PASSWORD, agency_code="bkk-police")
    do_cancel(assignment, "ส่งผิดหน่วย", actor=operator)  # resp_bkk's assignment has ended
    values = {
        "ref": case.reference,
        "attachment_id": photo.pk,
        "assignment_id": assignment.pk,
        "code": "bkk-police",
        "action": "claim",
        "to_status": "acknowledged",
        "referral_id": referral.pk,
        "task_id": task.pk,
        # The referral routes' <pk> (url_of) and the other reference no outsider may see.
        "_referral": referral.pk,
        "_task": task.pk,
        "_followed": followed.reference,
        "drill_id": case.pk,
        "key": "2-confinement.yaml",
    }
    return case, assignment, photo, values


def client_for(who: str, agencies) -> Client:
    client = Client()
    staff = {
        "operator_cm": lambda: ensure_staff("op_cm", role=Role.OPERATOR, password=PASSWORD, provinces=["50"]),
        "responder_cm": lambda: ensure_staff("resp_cm", role=Role.RESPONDER, password=PASSWORD, agency_code="cm-pmj"),
        "responder_ended": lambda: ensure_staff("resp_bkk", role=Role.RESPONDER, agency_code="bkk-police"),
        "supervisor_cm": lambda: ensure_staff("sup_cm", role=Role.SUPERVISOR, password=PASSWORD, provinces=["50"]),
        "deactivated": lambda: ensure_staff("gone", role=Role.OPERATOR, password=PASSWORD, national=True),
        "logged_out": lambda: ensure_staff("left", role=Role.OPERATOR, password=PASSWORD, national=True),
    }
    if who == "anonymous":
        return client
    user = staff[who]().user
    client.force_login(user)
    if who == "deactivated":
        get_user_model().objects.filter(pk=user.pk).update(is_active=False)
    if who == "logged_out":
        cookie = client.cookies["sessionid"].value
        client.post("/accounts/logout/")
        client.cookies["sessionid"] = cookie  # the old cookie, replayed
    return client


def url_of(name: str, route: str, pattern, case, assignment, photo, values) -> str:
    if name == "admin/*":
        return "/admin/"
    url = "/" + route
    by_pk = {
        "line:attachment": photo.pk,
        "responder:photo": photo.pk,
        "responder:step": assignment.pk,
        "dispatch:cancel": assignment.pk,
        "dispatch:reassign": assignment.pk,
        "dispatch:step": assignment.pk,
        "referrals:detail": values["_referral"],
        "referrals:add_task": values["_referral"],
        "referrals:close": values["_referral"],
        "referrals:complete_task": values["_task"],
    }
    for converter in ("<int:pk>", "<pk>"):
        url = url.replace(converter, str(by_pk.get(name, case.pk)))
    for key, value in values.items():
        for form in (f"<{key}>", f"<slug:{key}>", f"<int:{key}>", f"<str:{key}>"):
            url = url.replace(form, str(value))
    assert "<" not in url, f"{name}: no value for a parameter of {url}"
    return url


def test_every_route_has_a_matrix_entry():
    names = {name for name, _route, _p in routes()}
    missing = names - set(MATRIX)
    assert not missing, f"routes without a permission matrix entry: {sorted(missing)}"


@pytest.mark.parametrize("who", OUTSIDERS)
def test_no_outsider_reaches_the_case_on_any_route(client, world, agencies, who):
    case, assignment, photo, values = world
    outsider = client_for(who, agencies)
    problems = []
    for name, route, pattern in routes():
        kind, method = MATRIX[name]
        url = url_of(name, route, pattern, case, assignment, photo, values)
        if name == "logout":
            # Posted from a client of its own: logging the outsider out here tested every route after it as
            # anonymous (the referral rows passed with their scoping removed, which is how it was found).
            response = Client().post(url)
        elif method == "get":
            response = outsider.get(url)
        elif url.startswith("/api/"):
            response = outsider.post(url, "{}", content_type="application/json")
        else:
            response = outsider.post(url, {})
        body = b"".join(response.streaming_content) if response.streaming else response.content
        # A refusal may repeat the reference the caller put in the address ("no case ESS-… among those you
        # can see"); anything else naming a case, or its reporter's words, shows it.
        shown = [ref for ref in (case.reference, values["_followed"]) if ref.encode() in body and ref not in url]
        if shown or "ความลับของผู้แจ้ง".encode() in body:
            problems.append(f"{name} {url}: shows the case to {who}")
        if kind == "case" and response.status_code not in REFUSED:
            problems.append(f"{name} {url}: {response.status_code} for {who}")
        if kind in ADMITTED and who not in ADMITTED[kind] and response.status_code not in REFUSED:
            problems.append(f"{name} {url}: {response.status_code} for {who}")
        if kind in ADMITTED and who in ADMITTED[kind] and response.status_code in (401, 403):
            problems.append(f"{name} {url}: {response.status_code} for {who}, who may open it")
        if kind == "admin" and response.status_code != 302:
            problems.append(f"{name}: {response.status_code} for {who}")
    assert problems == [], "\n".join(problems)
