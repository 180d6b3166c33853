"""deploy/nginx/ess.conf made runnable on loopback: the same file with this machine's ports, a
self-signed certificate and a scratch prefix. Used by tests/deploy and by .ci/production, which sends
the production smoke test through it (TLS, websocket upgrade, X-Forwarded-Proto, the /metrics rule).

    python -m tests.deploy.proxy DIR HTTPS_PORT HTTP_PORT UPSTREAM_PORT   # prints the nginx.conf path
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = "ess.example.go.th"


def render_nginx(folder: Path, *, https_port: int, http_port: int, upstream_port: int) -> Path:
    folder = Path(folder)
    (folder / "tmp").mkdir(parents=True, exist_ok=True)
    cert, key = folder / "cert.pem", folder / "key.pem"
    if not cert.exists():
        subprocess.run(
            [
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "2",
                "-keyout",
                str(key),
                "-out",
                str(cert),
                "-subj",
                "/CN=127.0.0.1",
                "-addext",
                "subjectAltName=IP:127.0.0.1",
            ],
            check=True,
            capture_output=True,
        )
    text = (ROOT / "deploy" / "nginx" / "ess.conf").read_text()
    replacements = [
        (
            "    server 127.0.0.1:8001 max_fails=1 fail_timeout=5s;\n",
            f"    server 127.0.0.1:{upstream_port} max_fails=1 fail_timeout=5s;\n",
        ),
        ("    server 127.0.0.1:8002 max_fails=1 fail_timeout=5s;\n", ""),
        ("    listen 80;\n", f"    listen 127.0.0.1:{http_port};\n"),
        ("    listen [::]:80;\n", ""),
        ("    listen 443 ssl http2;\n", f"    listen 127.0.0.1:{https_port} ssl http2;\n"),
        ("    listen [::]:443 ssl http2;\n", ""),
        (f"/etc/letsencrypt/live/{DOMAIN}/fullchain.pem", str(cert)),
        (f"/etc/letsencrypt/live/{DOMAIN}/privkey.pem", str(key)),
        ("/var/www/letsencrypt", str(folder / "tmp")),
        ("/var/log/nginx/ess.access.log", str(folder / "access.log")),
        (f"server_name {DOMAIN};", "server_name 127.0.0.1;"),
    ]
    for old, new in replacements:
        if old not in text:
            raise ValueError(f"deploy/nginx/ess.conf no longer contains {old.strip()!r}: update tests/deploy/proxy.py")
        text = text.replace(old, new)
    (folder / "ess.conf").write_text(text)
    main = folder / "nginx.conf"
    main.write_text(
        f"""worker_processes 1;
error_log {folder}/error.log warn;
pid {folder}/nginx.pid;
events {{ worker_connections 256; }}
http {{
    access_log {folder}/access.log;
    client_body_temp_path {folder}/tmp/body;
    proxy_temp_path {folder}/tmp/proxy;
    fastcgi_temp_path {folder}/tmp/fastcgi;
    uwsgi_temp_path {folder}/tmp/uwsgi;
    scgi_temp_path {folder}/tmp/scgi;
    include {folder}/ess.conf;
}}
"""
    )
    return main


if __name__ == "__main__":
    folder, https_port, http_port, upstream_port = sys.argv[1], *map(int, sys.argv[2:5])
    print(render_nginx(Path(folder), https_port=https_port, http_port=http_port, upstream_port=upstream_port))
