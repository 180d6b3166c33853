"""The restore drill (docs/operations.md, "Backup and restore"): back up a small live database and its
photos with bin/backup, restore them with bin/restore into a new empty database and folder, and check
that everything came back and that the restored database is one the app accepts."""

import os
import subprocess
import uuid
from pathlib import Path

import psycopg
import pytest
from django.core.files.base import ContentFile
from django.db import connection

from incidents.models import Attachment, Incident, IncidentEvent
from tests.factories import make_incident

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.postgres]


def url(name: str) -> str:
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return f"postgres://{s['USER']}{password}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"


def run(script: str, *args, **env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "MEDIA_ROOT")}
    return subprocess.run(
        [str(ROOT / "bin" / script), *map(str, args)], env={**clean, **env}, capture_output=True, text=True, timeout=120
    )


def rows(database_url: str, sql: str) -> list[tuple]:
    with psycopg.connect(database_url) as conn:
        return conn.execute(sql).fetchall()


@pytest.fixture
def drill_database():
    name = f"ess_restore_drill_{uuid.uuid4().hex[:8]}"
    admin = url("postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield url(name)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def live_data(transactional_db, settings, tmp_path):
    """A few committed cases (pg_dump sees only committed rows) and a photo in MEDIA_ROOT."""
    settings.MEDIA_ROOT = tmp_path / "media"
    cases = [make_incident(description=f"เหตุที่ {i}") for i in range(3)]
    photo = Attachment(incident=cases[0], content_type="image/jpeg", size=9)
    photo.file.save("photo.jpg", ContentFile(b"\xff\xd8jpeg\xff\xd9"), save=True)
    return {"references": sorted(c.reference for c in cases), "photo": photo.file.name, "media": settings.MEDIA_ROOT}


def test_a_backup_restores_into_an_empty_database_and_folder(live_data, drill_database, tmp_path):
    source = url(connection.settings_dict["NAME"])
    made = run("backup", tmp_path / "backups", DATABASE_URL=source, MEDIA_ROOT=live_data["media"])
    assert made.returncode == 0, made.stderr
    folder = Path(made.stdout.strip().splitlines()[-1])
    assert sorted(p.name for p in folder.iterdir()) == ["SHA256SUMS", "database.dump", "ess-version", "media.tar.gz"]
    assert oct(folder.stat().st_mode)[-3:] == "700"  # personal data: the backup's owner only

    restored_media = tmp_path / "restored-media"
    done = run("restore", folder, DATABASE_URL=drill_database, MEDIA_ROOT=restored_media)
    assert done.returncode == 0, done.stderr
    assert "Restored 3 cases and 1 media files" in done.stdout

    references = [r[0] for r in rows(drill_database, "select reference from incidents_incident order by reference")]
    assert references == live_data["references"]
    assert (restored_media / live_data["photo"]).read_bytes() == b"\xff\xd8jpeg\xff\xd9"
    # The timeline and the per-year counter came along, so the next case continues the numbering.
    events = rows(drill_database, "select count(*) from incidents_incidentevent")[0][0]
    assert events == IncidentEvent.objects.count() > 0
    counter = rows(drill_database, "select max(last_number) from incidents_referencecounter")
    assert counter[0][0] == 3

    # The app accepts the restored database as it is: no migration missing.
    check = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "python"), "manage.py", "migrate", "--check"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": drill_database, "DJANGO_SETTINGS_MODULE": "ess.settings", "SECRET_KEY": "x"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert check.returncode == 0, check.stdout + check.stderr


def test_restore_refuses_a_database_that_is_not_empty(live_data, tmp_path):
    source = url(connection.settings_dict["NAME"])
    folder = Path(run("backup", tmp_path / "b", DATABASE_URL=source, MEDIA_ROOT=live_data["media"]).stdout.split()[-1])
    refused = run("restore", folder, DATABASE_URL=source, MEDIA_ROOT=tmp_path / "m")
    assert refused.returncode == 1
    assert "restore only into an empty database" in refused.stderr
    assert Incident.objects.count() == 3


def test_restore_refuses_a_damaged_backup(live_data, drill_database, tmp_path):
    source = url(connection.settings_dict["NAME"])
    folder = Path(run("backup", tmp_path / "b", DATABASE_URL=source, MEDIA_ROOT=live_data["media"]).stdout.split()[-1])
    with (folder / "database.dump").open("ab") as dump:
        dump.write(b"garbage")
    refused = run("restore", folder, DATABASE_URL=drill_database, MEDIA_ROOT=tmp_path / "m")
    assert refused.returncode == 1
    assert "checksums do not match" in refused.stderr
    assert (
        rows(drill_database, "select count(*) from information_schema.tables where table_schema = 'public'")[0][0] == 0
    )
