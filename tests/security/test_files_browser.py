"""#11 item 1 in a real browser: an HTML or SVG "photo" is saved as a download and its script never runs,
whether the operator clicks it, opens it by address or the console shows it as an image."""

import pytest
from django.core.files.base import ContentFile

from incidents import actions
from incidents.models import Attachment
from tests.browser import login, new_page, start_daphne
from tests.factories import make_incident

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCRIPT = "document.title='pwned'; fetch('/xss-ran/')"
HTML = f"<html><body><script>{SCRIPT}</script></body></html>".encode()
SVG = f'<svg xmlns="http://www.w3.org/2000/svg"><script>{SCRIPT}</script></svg>'.encode()


def test_an_html_or_svg_photo_is_downloaded_and_never_runs(browser, operator, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    case = make_incident()
    html = actions.do_attach_file(case, None, name="photo.jpg", content=HTML, content_type="text/html")
    # A row from before the rule: stored as the sender claimed, image/svg+xml.
    svg = Attachment(incident=case, content_type="image/svg+xml", size=len(SVG))
    svg.file.save("old.svg", ContentFile(SVG), save=True)

    server = start_daphne(env={"MEDIA_ROOT": str(tmp_path)})
    page = new_page(browser, server, accept_downloads=True)
    try:
        ran = []
        page.on("request", lambda request: ran.append(request.url) if "xss-ran" in request.url else None)
        login(page, operator)
        page.goto("/healthz/")
        for item in (html, svg):
            url = f"/attachments/{item.pk}/"
            with page.expect_download() as info:
                page.evaluate("url => { const a = document.createElement('a'); a.href = url; a.click(); }", url)
            download = info.value
            assert download.suggested_filename.endswith(".bin")
            with open(download.path(), "rb") as saved:
                assert saved.read() in (HTML, SVG)
            # Opened by address: a download again, no document of ours.
            try:
                page.goto(url)
            except Exception as exc:  # chromium aborts the navigation that became a download
                assert "Download is starting" in str(exc) or "ERR_ABORTED" in str(exc)
            # Shown as an image, as the console does: it never renders, let alone runs.
            page.goto("/healthz/")
            loaded = page.evaluate(
                "url => new Promise(done => { const img = new Image(); img.onload = () => done(true);"
                " img.onerror = () => done(false); img.src = url; document.body.append(img); })",
                url,
            )
            assert loaded is False
        page.wait_for_timeout(300)
        assert ran == [] and page.title() != "pwned"
    finally:
        page.context.close()
        server.stop()
