"""`manage.py create_api_token`: the secret once on stdout for scripts; refusals as command errors."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from api.models import ApiToken
from tests.api.conftest import bearer


def run(*args) -> str:
    out = StringIO()
    call_command("create_api_token", *args, stdout=out, stderr=StringIO())
    return out.getvalue().strip()


def test_it_prints_a_working_secret_once_and_revokes_by_name(client, agencies):
    secret = run("cm pmj", "--role", "responder", "--agency", "cm-pmj", "--per-minute", "30")
    token = ApiToken.objects.get(name="cm pmj")
    assert secret.startswith(f"ess_{token.prefix}_")
    assert (token.agency.code, token.rate_limit_per_minute) == ("cm-pmj", 30)
    assert client.get("/api/cases", **bearer(secret)).status_code == 200
    run("cm pmj", "--revoke")
    assert client.get("/api/cases", **bearer(secret)).status_code == 401


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["x"], "--role"),
        (["x", "--role", "responder"], "agency"),
        (["x", "--role", "supervisor", "--province", "99"], "99"),
        (["x", "--role", "responder", "--agency", "nowhere"], "nowhere"),
        (["nobody", "--revoke"], "nobody"),
    ],
)
def test_it_refuses_what_it_cannot_do(agencies, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert not ApiToken.objects.exists()
