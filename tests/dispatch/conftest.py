import pytest

from dispatch.routing import ensure_default_rules


@pytest.fixture(autouse=True)
def routing_rules(request):
    """The default routing rules, as the migration seeds them. A transactional test (websocket, browser)
    flushes the database afterwards, data-migration rows included, so they are put back for each test."""
    if request.node.get_closest_marker("django_db") is None:
        return
    request.getfixturevalue("db")  # follows the marker: transactional where the test asked for it
    ensure_default_rules()
