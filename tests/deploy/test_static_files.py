"""The production static storage (manifest + compression) can collect every file we ship."""

import re
from pathlib import Path

from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]
SOURCE_MAP = re.compile(rb"[#@] sourceMappingURL=(\S+)")


def test_every_source_map_a_vendored_file_names_is_vendored():
    """WhiteNoise's manifest storage stops collectstatic on a sourceMappingURL to a missing file."""
    named = []
    for path in (ROOT / "static").rglob("*"):
        if path.suffix in (".js", ".css"):
            for target in SOURCE_MAP.findall(path.read_bytes()[-400:]):
                named.append(path.parent / target.decode())
    assert named, "expected at least the vendored libraries' source maps"
    missing = [str(p.relative_to(ROOT)) for p in named if not p.exists()]
    assert missing == []


def test_collectstatic_succeeds_with_the_production_storage(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", "--noinput", verbosity=0)
    manifest = (tmp_path / "static" / "staticfiles.json").read_text()
    assert "vendor/leaflet.markercluster/leaflet.markercluster.js" in manifest
