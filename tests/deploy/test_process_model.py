"""One process model, written five times (README.md, Procfile, systemd units, Dockerfile, compose.yaml):
these tests keep the copies equal to the README's production block, which .ci/production executes, and
check each file with the tool that understands it (systemd-analyze, hadolint, the Compose schema, nginx)."""

import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SYSTEMD = ROOT / "deploy" / "systemd"
IN_CI = bool(__import__("os").environ.get("CI"))


def readme_block() -> list[str]:
    text = (ROOT / "README.md").read_text()
    block = text.split("<!-- production:begin -->", 1)[1].split("<!-- production:end -->", 1)[0]
    return [line.strip() for line in block.splitlines() if line.strip() and not line.startswith("```")]


def normal(command: str) -> str:
    """A command as it reads in any of the files: paths relative to the checkout, the port and the
    address to bind as placeholders (a container binds 0.0.0.0 inside its own network)."""
    words = shlex.split(command.strip().removesuffix("&").strip())
    out = []
    for word in words:
        word = word.removeprefix("/opt/ess/").removeprefix("/app/")
        if word in ("$PORT", "${PORT}", "%i", "8000"):
            word = "PORT"
        if word in ("127.0.0.1", "0.0.0.0"):
            word = "HOST"
        out.append(word)
    return " ".join(out)


def readme_commands() -> dict[str, list[str]]:
    lines = readme_block()
    assert lines[0].startswith("set -a;"), "the block starts by loading the settings file"
    assert lines[1] == "bin/setup"
    release = [normal(line) for line in lines[2:] if not line.endswith("&") and "ess.server" not in line]
    worker = [normal(line) for line in lines if line.endswith("&")]
    web = [normal(line) for line in lines if "ess.server" in line]
    assert len(worker) == 1 and len(web) == 1 and len(release) == 3
    return {"release": release, "worker": worker, "web": web}


def test_the_readme_block_releases_then_starts_the_worker_and_the_web_server():
    commands = readme_commands()
    assert commands["release"] == [
        ".venv/bin/python manage.py migrate --noinput",
        ".venv/bin/python manage.py collectstatic --noinput",
        ".venv/bin/python manage.py check --deploy --fail-level WARNING",
    ]
    assert commands["worker"] == [".venv/bin/python manage.py worker"]
    assert commands["web"] == [".venv/bin/python -m ess.server -b HOST -p PORT --proxy-headers ess.asgi:application"]


def test_the_procfile_runs_the_readme_commands():
    procfile = {}
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, command = line.partition(":")
            procfile[name] = [normal(part) for part in command.split("&&")]
    assert procfile == readme_commands()


def exec_starts(unit: str) -> list[str]:
    return [
        normal(line.partition("=")[2])
        for line in (SYSTEMD / unit).read_text().splitlines()
        if line.startswith("ExecStart=")
    ]


def test_the_systemd_units_run_the_readme_commands():
    commands = readme_commands()
    assert exec_starts("ess-release.service") == commands["release"]
    assert exec_starts("ess-web@.service") == commands["web"]
    assert exec_starts("ess-worker@.service") == commands["worker"]
    for unit in ("ess-web@.service", "ess-worker@.service"):
        text = (SYSTEMD / unit).read_text()
        assert "Restart=always" in text
        assert "EnvironmentFile=/etc/ess/ess.env" in text


def test_the_image_and_compose_run_the_readme_commands():
    import yaml

    commands = readme_commands()
    cmd = re.search(r"^CMD (\[.*\])$", (ROOT / "Dockerfile").read_text(), re.M)
    assert normal(shlex.join(json.loads(cmd[1]))) == commands["web"][0]
    services = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]
    assert normal(shlex.join(services["web"]["command"])) == commands["web"][0]
    assert normal(shlex.join(services["worker"]["command"])) == commands["worker"][0]
    release = [normal(part) for part in services["release"]["command"][-1].split("&&")]
    # collectstatic runs when the image is built (the static files are part of it).
    assert release == [c for c in commands["release"] if "collectstatic" not in c]
    assert set(services) == {"db", "redis", "release", "web", "worker"}


def test_the_env_example_names_only_settings_the_app_reads():
    settings_text = (ROOT / "ess" / "settings.py").read_text() + (ROOT / "README.md").read_text()
    names = [
        line.split("=")[0]
        for line in (ROOT / "deploy" / "ess.env.example").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    assert "SECRET_KEY" in names and "LINE_CHANNEL_SECRET" in names
    for name in names:
        assert f'"{name}"' in settings_text or name == "PORT", name


# --- each file checked by the tool that reads it ------------------------------------------------------


def tool(name: str) -> str:
    found = shutil.which(name) or shutil.which(name, path=str(Path(sys.executable).parent))
    if not found:
        if IN_CI:
            pytest.fail(f"CI must run this test: {name} is missing")
        pytest.skip(f"needs {name}")
    return found


def test_hadolint_finds_nothing_in_the_dockerfile():
    result = subprocess.run([tool("hadolint"), str(ROOT / "Dockerfile")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_yaml_follows_the_compose_specification():
    result = subprocess.run(
        [tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", str(ROOT / "compose.yaml")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_systemd_accepts_the_units(tmp_path):
    analyze = tool("systemd-analyze")
    env = tmp_path / "ess.env"
    env.write_text("SECRET_KEY=x\n")
    for unit in SYSTEMD.iterdir():
        text = unit.read_text().replace("/opt/ess", str(ROOT)).replace("/etc/ess/ess.env", str(env))
        # The unit's user does not exist on a build machine; systemd would refuse to start, not to parse.
        text = text.replace("User=ess", "User=root").replace("Group=ess", "Group=root")
        (tmp_path / unit.name).write_text(text)
    units = [
        str(tmp_path / "ess-release.service"),
        str(tmp_path / "ess-web@8001.service"),
        str(tmp_path / "ess-worker@1.service"),
    ]
    result = subprocess.run([analyze, "verify", *units], capture_output=True, text=True, cwd=tmp_path)
    problems = [line for line in (result.stdout + result.stderr).splitlines() if "ess" in line]
    assert result.returncode == 0 and problems == [], "\n".join(problems)


def test_nginx_accepts_the_proxy_example(tmp_path):
    nginx = tool("nginx")
    from tests.deploy.proxy import render_nginx

    conf = render_nginx(tmp_path, https_port=18443, http_port=18080, upstream_port=18001)
    result = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(conf)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
