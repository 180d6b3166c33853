import io

from django.http import HttpRequest
from django.test import Client
from PIL import Image

from demo import fake_platform as fake
from incidents.line import texts
from incidents.models import Attachment, Message
from tests.conftest import PASSWORD
from tests.line import later

USER = "U" + "3" * 32


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, format="JPEG")
    return out.getvalue()


def send_photo(line, photo: bytes, preparing: int = 0) -> Message:
    message = fake.image_message()
    line.platform.add_content(message["id"], photo, "image/jpeg", preparing=preparing)
    line.say(line.event("message", USER, message=message))
    return Message.objects.get(line_message_id=message["id"])


def test_it_stores_a_photo_privately_and_attaches_it_to_the_case(line):
    line.say(line.tap(USER, texts.POSTBACK_CATEGORY + "threat"), line.pin(USER))
    line.say(line.tap(USER, texts.POSTBACK_SAFE_YES))
    photo = jpeg()
    message = send_photo(line, photo)
    case = line.case_of(USER)
    attachment = Attachment.objects.get(incident=case)
    assert attachment.message == message and attachment.content_type == "image/jpeg"
    # Re-encoded from its pixels, without metadata (incidents.files): the same picture, other bytes.
    stored = attachment.file.read()
    assert Image.open(io.BytesIO(stored)).size == (64, 48) and attachment.size == len(stored)
    assert case.events.filter(kind="attachment", data__attachment_id=attachment.pk).exists()
    assert texts.say("th", "detail_added", reference=case.reference) == line.texts_to(USER)[-1]
    message.refresh_from_db()
    assert message.payload["content"] == "stored"
    fetched = [c for c in line.platform.calls if c.path.endswith("/content")]
    assert fetched[0].headers["authorization"] == "Bearer test-access-token"


def test_it_tries_again_while_line_still_prepares_the_photo(line):
    line.say(line.pin(USER))
    message = send_photo(line, jpeg(), preparing=1)
    message.refresh_from_db()
    assert message.payload["content"] == "pending" and not Attachment.objects.exists()
    line.work(now=later(60))
    message.refresh_from_db()
    assert message.payload["content"] == "stored"
    assert Attachment.objects.count() == 1


def test_it_opens_a_case_from_a_photo_alone_and_fetches_the_photo_into_it(line):
    send_photo(line, jpeg())
    case = line.case_of(USER)
    assert Attachment.objects.get().incident == case
    created, question = line.texts_to(USER)
    assert case.reference in created
    assert question == texts.say("th", "ask_category_after_pin")  # what is happening? (then: where?)


def serve_photo(line, user) -> Client:
    line.say(line.pin(USER))
    send_photo(line, jpeg())
    client = Client()
    if user is not None:
        client.login(request=HttpRequest(), username=user.username, password=PASSWORD)
    return client.get(f"/attachments/{Attachment.objects.get().pk}/")


def test_it_serves_the_photo_to_an_operator(line, operator):
    response = serve_photo(line, operator)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"
    assert "private" in response["Cache-Control"]


def test_it_serves_the_photo_to_the_cases_provincial_supervisor(line, supervisor_bkk):
    assert serve_photo(line, supervisor_bkk).status_code == 200


def test_it_hides_the_photo_from_a_supervisor_of_another_province(line, supervisor_cm):
    assert serve_photo(line, supervisor_cm).status_code == 404


def test_it_refuses_the_photo_to_a_responder(line, responder_bkk):
    assert serve_photo(line, responder_bkk).status_code == 403


def test_it_sends_anonymous_visitors_to_the_login_page(line):
    response = serve_photo(line, None)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_it_serves_a_thumbnail(line, operator):
    line.say(line.pin(USER))
    big = io.BytesIO()
    Image.new("RGB", (1600, 1200), (10, 120, 200)).save(big, format="PNG")
    message = fake.image_message()
    line.platform.add_content(message["id"], big.getvalue(), "image/png")
    line.say(line.event("message", USER, message=message))
    client = Client()
    client.login(request=HttpRequest(), username=operator.username, password=PASSWORD)
    response = client.get(f"/attachments/{Attachment.objects.get().pk}/?thumb=1")
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert Image.open(io.BytesIO(response.content)).size == (320, 240)
