"""ess.models.ChoiceLabels: get_FOO_display() from a dict built once per field (#16 item 3: it was half the
queue's render time), still in the language active when it is called."""

from django.utils import translation

from dispatch.models import Assignment, AssignmentStatus
from incidents.models import Category, Incident, Reporter, Status


def test_the_label_follows_the_active_language_whichever_was_asked_first():
    case = Incident(category=Category.THREAT, status=Status.DISPATCHED)
    with translation.override("th"):
        thai = case.get_category_display()
        thai_status = case.get_status_display()
    with translation.override("en"):
        english = case.get_category_display()
        english_status = case.get_status_display()
    with translation.override("th"):
        again = case.get_category_display()
    assert english == "Threatened with harm, or being harmed"
    assert english_status == "Dispatched"
    assert thai != english and thai_status != english_status
    assert again == thai  # asked in English in between: still Thai in Thai
    with translation.override("th"):
        assert thai == str(Category.THREAT.label)


def test_the_label_is_the_current_value_not_a_cached_one():
    case = Incident(category=Category.THREAT)
    with translation.override("en"):
        assert case.get_category_display() == str(Category.THREAT.label)
        case.category = Category.CONFINEMENT
        assert case.get_category_display() == str(Category.CONFINEMENT.label)


def test_a_value_outside_the_choices_is_shown_as_it_is():
    with translation.override("en"):
        assert Incident(category="not-a-category").get_category_display() == "not-a-category"
        assert Incident(priority=7).get_priority_display() == 7  # as Django answers: the value itself


def test_every_model_with_the_mixin_answers_like_django():
    with translation.override("en"):
        assert Assignment(status=AssignmentStatus.ACKNOWLEDGED).get_status_display() == str(
            AssignmentStatus.ACKNOWLEDGED.label
        )
        assert Reporter(language="en").get_language_display() == "English"
