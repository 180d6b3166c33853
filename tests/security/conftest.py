from tests.api.conftest import _fresh_rate_limits, make_token, tokens  # noqa: F401  (shared API fixtures)
