"""console.screen.row_html: each queue row is rendered once per distinct content (#16 item 3). The cache key
is row_fields' values, so these tests hold the two things that make that safe: the row template reads
nothing but those fields, and whatever changes on a case, its reporter or its neighbours changes the row."""

from datetime import timedelta

import pytest
from django.template import Context
from django.template.loader import get_template
from django.utils import timezone, translation

from console import screen
from dispatch.models import Assignment, AssignmentStatus
from incidents import triage
from incidents.models import Category, Incident
from tests.factories import make_incident


class RecordingContext(Context):
    """A template context that notes every name the template looks up."""

    def __init__(self, values):
        super().__init__(values)
        self.asked: set[str] = set()

    def __getitem__(self, key):
        self.asked.add(key)
        return super().__getitem__(key)

    def get(self, key, otherwise=None):
        self.asked.add(key)
        return super().get(key, otherwise)

    def __contains__(self, key):
        self.asked.add(key)
        return super().__contains__(key)


def row_of(operator, case) -> dict:
    [row] = [r for r in screen.queue_rows(screen.queue_cases(operator)) if r["case"].pk == case.pk]
    return row


@pytest.mark.django_db
def test_the_row_template_reads_only_the_fields_that_key_the_cache(operator):
    case = make_incident(latitude=None, longitude=None)
    Incident.objects.filter(pk=case.pk).update(outside_thailand=True, is_drill=True)
    triage.claim(case, operator)
    reporter = case.reporter
    reporter.safe_contact_only, reporter.false_report_count, reporter.is_reachable = True, 2, False
    reporter.save()
    row = {**row_of(operator, case), "overdue": True, "possible_duplicate": True, "unopened": True}
    fields = screen.row_fields(row)
    context = RecordingContext(fields)
    html = get_template("console/index.html#row").template.render(context)
    # Every branch of the row ran (each flag shown), so every name the template can read was asked for.
    for flag in ("flag-drill", "flag-unopened", "flag-overdue", "flag-out", "flag-noloc", "flag-unreach"):
        assert flag in html
    for flag in ("flag-safe", "flag-false", "flag-dup", 'class="claim"', "step-timer"):
        assert flag in html
    literals_and_locals = {"None", "True", "False", "n", "forloop", "block"}
    assert context.asked - set(fields) - literals_and_locals == set()


@pytest.mark.django_db
def test_a_change_to_the_case_its_reporter_or_its_claim_changes_its_cached_row(operator):
    case = make_incident(category=Category.THREAT)
    first = row_of(operator, case)["html"]
    assert row_of(operator, case)["html"] is first  # the same content: the rendered row is reused

    triage.claim(case, operator)
    claimed = row_of(operator, case)["html"]
    assert 'class="claim"' in claimed and claimed != first

    reporter = case.reporter
    reporter.safe_contact_only = True  # a reporter's change does not touch the case's version
    reporter.save()
    assert "flag-safe" in row_of(operator, case)["html"]

    reporter.false_report_count = 1
    reporter.save()
    assert "flag-false" in row_of(operator, case)["html"]

    # The claim lapses with time alone: nothing is written, the row must still change.
    Incident.objects.filter(pk=case.pk).update(claim_expires_at=timezone.now() - timedelta(seconds=1))
    assert 'class="claim"' not in row_of(operator, case)["html"]


@pytest.mark.django_db
def test_an_escalated_assignment_or_a_near_case_changes_the_row(operator, agencies):
    case = make_incident()
    assert "flag-overdue" not in row_of(operator, case)["html"]
    assert "flag-dup" not in row_of(operator, case)["html"]
    Assignment.objects.create(
        incident=case, agency=agencies["bkk"], status=AssignmentStatus.PENDING, escalation_level=1
    )
    assert "flag-overdue" in row_of(operator, case)["html"]
    make_incident(latitude=case.latitude, longitude=case.longitude)  # the same place, just now
    assert "flag-dup" in row_of(operator, case)["html"]


@pytest.mark.django_db
def test_the_same_row_is_rendered_apart_for_each_language(operator):
    case = make_incident(category=Category.THREAT)
    with translation.override("en"):
        english = row_of(operator, case)["html"]
    with translation.override("th"):
        thai = row_of(operator, case)["html"]
    with translation.override("en"):
        assert row_of(operator, case)["html"] == english
    assert "Threatened with harm" in english
    assert "Threatened with harm" not in thai
    with translation.override("th"):
        assert str(Category.THREAT.label) in thai


@pytest.mark.django_db
def test_the_live_push_and_the_queue_share_one_rendering(operator):
    case = make_incident()
    queued = row_of(operator, case)["html"]
    pushed = screen.render_row(Incident.objects.select_related("reporter", "claimed_by").get(pk=case.pk), None)
    assert pushed == queued
