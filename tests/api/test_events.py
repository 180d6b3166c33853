"""The events feed: every change exactly once across pages, in order, scoped to the caller."""

from datetime import timedelta

from django.utils import timezone

from api import feed
from dispatch.models import Assignment
from incidents import actions
from incidents.models import IncidentEvent, Status
from tests.api.conftest import bearer
from tests.factories import make_incident


def read_all(client, secret, after=0, limit=2, between_pages=None) -> tuple[list[int], int]:
    seen, pages = [], 0
    while True:
        body = client.get("/api/events", {"after": after, "limit": limit}, **bearer(secret)).json()
        seen += [e["id"] for e in body["items"]]
        after = body["next_after"]
        pages += 1
        if between_pages and pages == 1:
            between_pages()
        if not body["has_more"]:
            return seen, after


def test_it_returns_each_change_exactly_once_across_pages(client, tokens):
    cases = [make_incident() for _ in range(3)]
    for case in cases:
        actions.do_transition(case, Status.TRIAGED)

    def meanwhile():  # changes made while the reader pages arrive later in the feed, once
        actions.do_transition(cases[0], Status.DISPATCHED)
        make_incident()

    seen, last = read_all(client, tokens["operator"].secret, between_pages=meanwhile)
    everything = list(IncidentEvent.objects.order_by("pk").values_list("pk", flat=True))
    assert seen == everything
    assert len(seen) == len(set(seen)) == 8
    # Following along: nothing new, nothing repeated; then only what is new.
    assert client.get(f"/api/events?after={last}", **bearer(tokens["operator"].secret)).json()["items"] == []
    actions.do_transition(cases[1], Status.DISPATCHED)
    again, _ = read_all(client, tokens["operator"].secret, after=last)
    assert again == [IncidentEvent.objects.latest("pk").pk]


def test_it_feeds_an_outsider_nothing_of_another_province(client, tokens):
    bkk = make_incident()
    cm = make_incident(province_code="50", district_code="5001")
    actions.do_transition(bkk, Status.TRIAGED)
    seen, _ = read_all(client, tokens["sup_cm"].secret)
    assert seen == list(IncidentEvent.objects.filter(incident=cm).values_list("pk", flat=True))


def test_it_hides_another_agencys_assignment_events_from_a_responder(client, tokens, agencies):
    case = make_incident()
    for code in ("bkk", "cm"):
        assignment = Assignment.objects.create(incident=case, agency=agencies[code])
        actions.record(case, "assigned", data={"assignment_id": assignment.pk, "agency": agencies[code].code})
    body = client.get("/api/events", **bearer(tokens["resp_bkk"].secret)).json()
    assert [(e["kind"], e["data"].get("agency")) for e in body["items"]] == [
        ("created", None),
        ("assigned", "bkk-police"),
    ]


def test_it_holds_back_events_until_they_settle_and_never_serves_past_one_that_has_not(settings, operator):
    settings.API_EVENTS_SETTLE_SECONDS = 2
    first = make_incident()
    second = make_incident()
    e1 = IncidentEvent.objects.get(incident=first)
    e2 = IncidentEvent.objects.get(incident=second)
    now = timezone.now()
    assert feed.events_page(operator, now=now)[0] == []
    # The second is older than the first (e.g. another process's clock): still nothing past the first.
    IncidentEvent.objects.filter(pk=e2.pk).update(created_at=now - timedelta(seconds=10))
    assert feed.events_page(operator, now=now)[0] == []
    IncidentEvent.objects.filter(pk=e1.pk).update(created_at=now - timedelta(seconds=5))
    events, next_after, more = feed.events_page(operator, now=now)
    assert events == [e1, e2]
    assert (next_after, more) == (e2.pk, False)


def test_it_refuses_a_negative_after(client, tokens):
    response = client.get("/api/events?after=-1", **bearer(tokens["operator"].secret))
    assert response.status_code == 422
    assert response.json()["field"] == "after"
