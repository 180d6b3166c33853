import uuid

import factory

from incidents import actions
from incidents.models import Category, Reporter


class ReporterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Reporter

    # Random, not a sequence: a live test server process creates reporters too, with its own counter.
    line_user_id = factory.LazyFunction(lambda: f"U{uuid.uuid4().hex}")
    display_name = factory.Sequence(lambda n: f"ผู้แจ้ง {n}")


def make_incident(**kwargs):
    """A case opened the way the LINE intake opens one (reference, timeline, broadcast)."""
    defaults = {
        "category": Category.THREAT,
        "latitude": 13.7466,
        "longitude": 100.5347,
        "province_code": "10",
        "district_code": "1007",
        "address": "ถนนพระรามที่ 1 แขวงปทุมวัน เขตปทุมวัน กรุงเทพมหานคร 10330",
        "description": "สามีขู่จะทำร้าย",
    }
    defaults.update(kwargs)
    if "reporter" not in defaults:
        defaults["reporter"] = ReporterFactory()
    return actions.do_create_incident(**defaults)
