"""POST /api/cases/<ref>/safe-contact: the operator's safe-contact switch (dispatch.commands "safe_contact")."""

import pytest

from tests.api.conftest import bearer
from tests.factories import make_incident

pytestmark = pytest.mark.usefixtures("english")


def test_the_api_switches_it_with_the_same_command(client, tokens):
    case = make_incident()
    secret = tokens["operator"].secret
    response = client.post(
        f"/api/cases/{case.reference}/safe-contact",
        {"safe_contact": "on"},
        content_type="application/json",
        **bearer(secret),
    )
    assert response.status_code == 200, response.content
    case.reporter.refresh_from_db()
    assert case.reporter.safe_contact_only is True
    bad = client.post(
        f"/api/cases/{case.reference}/safe-contact",
        {"safe_contact": True},
        content_type="application/json",
        **bearer(secret),
    )
    assert bad.status_code == 422 and bad.json()["field"] == "safe_contact"
