import pytest
from channels.layers import channel_layers
from django.db.utils import OperationalError


@pytest.fixture
def reset_layers():
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


def test_it_answers_200_when_database_and_channel_layer_answer(client, db):
    response = client.get("/healthz/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "channel_layer": "ok"}


def test_it_needs_no_login(client, db):
    assert client.get("/healthz/").status_code == 200


def test_it_answers_503_naming_the_channel_layer_when_redis_is_unreachable(client, db, settings, reset_layers):
    # Nothing listens on port 1: a real connection failure, not a mock.
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]},
        }
    }
    response = client.get("/healthz/")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["database"] == "ok"
    assert body["channel_layer"].startswith("failed")


def test_it_answers_503_naming_the_database_when_it_fails(client, db, monkeypatch):
    from ess import views

    def broken():
        raise OperationalError("connection refused")

    monkeypatch.setattr(views, "_check_database", broken)
    response = client.get("/healthz/")
    assert response.status_code == 503
    assert response.json()["database"] == "failed: OperationalError"
    assert response.json()["channel_layer"] == "ok"
