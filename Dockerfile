# ESS Console: one image for the web server and the worker (compose.yaml runs both from it).
# The steps are README.md's: Debian's packages, bin/setup (the locked dependencies), then the
# production block's commands; a test keeps the commands equal to the README's.
FROM python:3.11-slim-bookworm

# gettext: the Thai catalogue is compiled by bin/setup; fonts-thai-tlwg: the rich menu's Thai image.
# Not pinned (DL3008): bookworm's security updates replace the exact versions; the release is the pin.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext fonts-thai-tlwg \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --create-home --home-dir /var/lib/ess ess

WORKDIR /app
ENV PYTHONUNBUFFERED=1 \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/var/lib/ess/media \
    PORT=8000

# Dependencies first (the lock changes less often than the code), so rebuilds reuse this layer.
COPY pyproject.toml requirements.lock README.md ./
COPY bin/setup bin/setup
RUN python -m venv .venv \
    && .venv/bin/python -m pip install --no-cache-dir --quiet --require-hashes -r requirements.lock

COPY . .
# bin/setup installs the project itself and compiles the translations; collectstatic needs settings
# but no database, so the static files are part of the image.
RUN bin/setup \
    && DEBUG=0 SECRET_KEY=build-only .venv/bin/python manage.py collectstatic --noinput \
    && mkdir -p /var/lib/ess/media && chown -R 10001:10001 /var/lib/ess

USER 10001
EXPOSE 8000
# The probe names the site (ALLOWED_HOSTS' first name): Django answers 400 to a Host it does not serve.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s \
    CMD ["python", "-c", "import os, urllib.request as u; u.urlopen(u.Request('http://127.0.0.1:%s/healthz/' % os.environ.get('PORT', '8000'), headers={'Host': os.environ.get('ALLOWED_HOSTS', 'localhost').split(',')[0]}), timeout=4)"]
# The web server; compose.yaml's worker service runs `.venv/bin/python manage.py worker` from the same image.
CMD [".venv/bin/python", "-m", "ess.server", "-b", "0.0.0.0", "-p", "8000", "--proxy-headers", "ess.asgi:application"]
