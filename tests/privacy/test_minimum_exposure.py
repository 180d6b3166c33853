"""Minimum exposure in the console: a reporter's LINE name, id and phone appear nowhere — page, queue,
search results, panel, live websocket rows — until an operator clicks to reveal (logged); photo previews
are blurred thumbnails."""

import pytest
from channels.db import database_sync_to_async as sync_to_async
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator
from django.http import HttpRequest
from django.test import Client

from console import screen
from ess.asgi import application
from incidents.models import Reporter
from privacy.models import AccessLog, Field
from tests.browser import login
from tests.conftest import PASSWORD
from tests.factories import make_incident

PHONE = "0899999999"


def identity(case) -> list[str]:
    reporter = Reporter.objects.get(pk=case.reporter_id)
    return [reporter.display_name, reporter.line_user_id, reporter.phone]


def shows_none(html: str, secrets: list[str]) -> bool:
    return not [s for s in secrets if s and s in html]


@pytest.mark.django_db
def test_no_console_view_shows_the_reporters_identity_until_revealed(operator, case_with_photo):
    case, _ = case_with_photo
    Reporter.objects.filter(pk=case.reporter_id).update(phone=PHONE)
    secrets = identity(case)
    console = Client()
    console.login(request=HttpRequest(), username="op", password=PASSWORD)
    views = [
        console.get("/console/"),
        console.get("/console/", {"q": case.reference}),
        console.get("/console/queue/", {"q": case.reference}),
        console.get("/console/queue/", {"q": "สามีขู่"}),  # found by the reporter's words
        console.get("/console/", {"case": case.pk}),
        console.get(f"/console/case/{case.pk}/"),
        console.post(f"/console/case/{case.pk}/claim/"),
    ]
    for response in views:
        html = response.content.decode()
        assert response.status_code == 200 and case.reference in html
        assert shows_none(html, secrets), response.request["PATH_INFO"]
    assert not AccessLog.objects.filter(field=Field.IDENTITY).exists()

    revealed = console.post(f"/console/case/{case.pk}/reporter/").content.decode()
    assert all(s in revealed for s in secrets)
    assert AccessLog.objects.filter(field=Field.IDENTITY, user=operator).count() == 1
    # The next render of the panel (any action, a refresh) hides it again.
    assert shows_none(console.get(f"/console/case/{case.pk}/").content.decode(), secrets)


@pytest.mark.django_db
def test_photo_previews_are_blurred_thumbnails(operator, case_with_photo):
    case, photo = case_with_photo
    console = Client()
    console.login(request=HttpRequest(), username="op", password=PASSWORD)
    html = console.get(f"/console/case/{case.pk}/").content.decode()
    assert f'class="thumb blurred" src="/attachments/{photo.pk}/?thumb=1"' in html
    assert f'src="/attachments/{photo.pk}/"' not in html  # never the full photo as a preview


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_live_rows_carry_no_identity(operator):
    channel_layers.backends.clear()
    screen._LIVE_ROWS.clear()
    cookie = await sync_to_async(lambda: _session(operator))()
    socket = WebsocketCommunicator(
        application,
        "/ws/console/",
        headers=[(b"origin", b"http://testserver"), (b"cookie", f"sessionid={cookie}".encode())],
    )
    assert (await socket.connect())[0]
    case = await sync_to_async(make_incident)()
    await sync_to_async(Reporter.objects.filter(pk=case.reporter_id).update)(phone=PHONE)
    message = await socket.receive_json_from(timeout=2)
    assert case.reference in message["row"]
    assert shows_none(str(message), await sync_to_async(identity)(case))
    await socket.disconnect()
    channel_layers.backends.clear()


def _session(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_photo_preview_looks_blurred_in_chromium(page, operator):
    pk = page.ess_server.call("tests.privacy.helpers.case_with_photo")["pk"]
    login(page, operator, language="en")
    page.goto(f"/console/?case={pk}")
    preview = page.wait_for_selector("img.blurred", state="attached")
    assert "blur(12px)" in preview.evaluate("img => getComputedStyle(img).filter")
    preview.scroll_into_view_if_needed()
    page.wait_for_function("() => document.querySelector('img.blurred').naturalWidth > 0")  # the thumbnail loaded
