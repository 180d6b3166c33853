"""#11 item 1: a reporter's "photo" is shown inline only when its bytes are an image; everything else is
a download, and every file response is sandboxed (incidents.files)."""

import io

import pytest
from django.core.files.base import ContentFile
from django.http import HttpRequest
from django.test import Client
from PIL import Image

from dispatch.assignments import Pick, do_assign
from incidents import actions, files
from incidents.models import Attachment
from tests.api.conftest import bearer
from tests.conftest import PASSWORD
from tests.factories import make_incident

pytestmark = pytest.mark.django_db

HTML = b"<html><body><script>document.title='pwned';fetch('/xss-ran')</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>document.title="pwned"</script></svg>'


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (40, 30), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (13.0, 44.0, 39.0), "E", (100.0, 31.0, 48.0)
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_a_real_photo_is_re_encoded_without_its_exif_and_gps():
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # the fixture has a position
    clean = files.clean_upload(original)
    assert clean.content_type == "image/jpeg" and clean.is_image
    image = Image.open(io.BytesIO(clean.data))
    assert image.size == (40, 30)
    assert not image.getexif() and b"Exif" not in clean.data and b"PhoneMaker" not in clean.data


@pytest.mark.parametrize("content", [HTML, SVG, b"%PDF-1.4 ...", b"\xff\xd8\xff\xe0 not really a jpeg"])
def test_anything_that_is_not_an_image_becomes_an_opaque_download(content):
    clean = files.clean_upload(content)
    assert clean.content_type == "application/octet-stream" and not clean.is_image
    assert clean.data == content


def test_bytes_appended_after_a_png_are_dropped():
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, format="PNG")
    clean = files.clean_upload(out.getvalue() + HTML)
    assert clean.content_type == "image/png" and b"script" not in clean.data


@pytest.fixture
def case_with_files(agencies, operator, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    case = make_incident()
    do_assign(case, [Pick(agencies["bkk"])], actor=operator)
    html = actions.do_attach_file(case, None, name="photo.jpg", content=HTML, content_type="image/jpeg")
    # A row stored before the rule existed: it claims to be HTML and holds HTML.
    legacy = Attachment(incident=case, content_type="text/html", size=len(HTML))
    legacy.file.save("legacy.html", ContentFile(HTML), save=True)
    photo = actions.do_attach_file(case, None, name="p.jpg", content=jpeg_with_gps(), content_type="image/jpeg")
    return case, {"html": html, "legacy": legacy, "photo": photo}


def routes(case, item, tokens):
    """(client, url, extra) for each route that serves the file: console, responder, API."""
    console = Client()
    console.login(request=HttpRequest(), username="op", password=PASSWORD)
    responder = Client()
    responder.login(request=HttpRequest(), username="resp_bkk", password=PASSWORD)
    return [
        (console, f"/attachments/{item.pk}/", {}),
        (console, f"/attachments/{item.pk}/?thumb=1", {}),
        (responder, f"/responder/photos/{item.pk}/", {}),
        (Client(), f"/api/cases/{case.reference}/attachments/{item.pk}", bearer(tokens["admin"].secret)),
    ]


def assert_sandboxed(response):
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("which", ["html", "legacy"])
def test_a_non_image_goes_out_as_a_download_on_every_route(case_with_files, responder_bkk, tokens, which):
    case, stored = case_with_files
    item = stored[which]
    for client, url, extra in routes(case, item, tokens):
        response = client.get(url, **extra)
        assert response.status_code == 200, url
        assert response["Content-Type"] == "application/octet-stream", url
        assert response["Content-Disposition"].startswith("attachment;"), url
        assert_sandboxed(response)
        assert b"".join(response.streaming_content) == HTML


def test_a_real_photo_is_shown_inline_on_every_route(case_with_files, responder_bkk, tokens):
    case, stored = case_with_files
    for client, url, extra in routes(case, stored["photo"], tokens):
        response = client.get(url, **extra)
        assert response.status_code == 200 and response["Content-Type"] == "image/jpeg", url
        assert not response.get("Content-Disposition", "inline").startswith("attachment"), url
        assert_sandboxed(response)
