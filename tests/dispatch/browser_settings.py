"""Settings for the daphne process the dispatch browser test starts: the test settings, with static
files served straight from the source folders (no collectstatic before tests)."""

from tests.settings import *  # noqa: F403

WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
