"""The worker asks for the photos still to download every round (incidents.line.media.pending); a partial
index serves it (migration incidents 0011), so a round does not scan every message ever received (#16).
PostgreSQL can use a partial index only if the query's conditions imply the index's: this holds them to it."""

import pytest
from django.db import connection
from django.utils import timezone

from incidents.line import media
from incidents.models import Message

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny test table: make the planner show its index
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_the_pending_photos_query_is_served_by_its_partial_index(monkeypatch):
    seen = []
    original = Message.objects.filter

    def spy(*args, **kwargs):
        queryset = original(*args, **kwargs)
        seen.append(queryset)
        return queryset

    monkeypatch.setattr(Message.objects, "filter", spy)
    media.pending(timezone.now())
    [query] = seen
    assert "message_photo_pending_idx" in plan(query.order_by("id")[:60])
