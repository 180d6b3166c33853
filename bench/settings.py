"""Settings for `python -m bench`: the test suite's settings (production settings, DEBUG off, safe defaults
for what the environment leaves unset) plus one URL, the bare Django endpoint the webhook is compared with.
Used only by the benchmark's own daphne and worker processes, on 127.0.0.1."""

from tests.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
# As deployed: static files are collected, not looked up in the source folders on every request.
WHITENOISE_USE_FINDERS = False
WHITENOISE_AUTOREFRESH = False
