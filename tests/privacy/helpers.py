"""Run inside a live server process (LiveServer.call): a case with a photo, stored where it serves media."""

from incidents import actions
from incidents.models import Reporter
from tests.factories import make_incident
from tests.privacy.conftest import jpeg


def case_with_photo():
    case = make_incident()
    Reporter.objects.filter(pk=case.reporter_id).update(phone="0899999999")
    actions.do_attach_file(case, None, name="p.jpg", content=jpeg(), content_type="image/jpeg")
    return case
