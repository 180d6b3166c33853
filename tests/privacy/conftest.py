import io

import pytest
from PIL import Image

from dispatch.assignments import Pick, do_assign
from incidents import actions
from incidents.models import Attachment
from tests.factories import make_incident


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, format="JPEG")
    return out.getvalue()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def case_with_photo(media, agencies, operator):
    """A Bangkok case with one photo, assigned to the Bangkok police."""
    case = make_incident(description="สามีขู่จะทำร้าย")
    actions.do_attach_file(case, None, name="photo.jpg", content=jpeg(), content_type="image/jpeg")
    do_assign(case, [Pick(agencies["bkk"])], actor=operator)
    case.refresh_from_db()
    return case, Attachment.objects.get(incident=case)
