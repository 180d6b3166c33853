"""ESS Console settings: everything that differs between machines comes from the environment.

See README.md for the table of variables. Helpers in ess.env raise ImproperlyConfigured naming the
variable when a value is wrong, so a bad deployment fails at start.
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from ess.env import env_bool, env_choice, env_int, env_list, env_str, env_url

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)

_secret = env_str("SECRET_KEY", "")
if not _secret:
    if not DEBUG:
        raise ImproperlyConfigured("The environment variable SECRET_KEY must be set when DEBUG is off.")
    _secret = "insecure-development-key-do-not-use-in-production"
SECRET_KEY = _secret

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
for _origin in CSRF_TRUSTED_ORIGINS:
    if "://" not in _origin:
        raise ImproperlyConfigured(f"CSRF_TRUSTED_ORIGINS entry {_origin!r} needs a scheme, e.g. https://{_origin}.")

# Plain HTTP on 127.0.0.1 (the demo, a smoke test) can switch these off one by one.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
# Only behind a reverse proxy that sets X-Forwarded-Proto on every request (deploy/nginx/ess.conf) may the
# app believe it: reached directly, anyone could send the header and pass as HTTPS. BEHIND_PROXY=1 says so.
BEHIND_PROXY = env_bool("BEHIND_PROXY", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
# Browsers that once saw the site over HTTPS refuse plain HTTP for this long (one year by default when
# DEBUG is off; 0 switches it off). Whether subdomains and the browsers' preload list are included is
# the domain owner's decision, not the app's: both default off, and the two checks that ask for them
# are silenced below so `check --deploy --fail-level WARNING` reports only what the app can fix.
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 365 * 24 * 60 * 60)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = ["security.W005", "security.W021"]
# The health check is probed over plain HTTP by load balancers.
SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_AGE = 12 * 60 * 60  # one 12-hour shift at most, however active
# Call-centre PCs are shared: a session ends when the browser closes, and after this many minutes without
# a request (ess.middleware.IdleTimeoutMiddleware; 0 switches the idle limit off).
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_IDLE_TIMEOUT_MINUTES = env_int("SESSION_IDLE_TIMEOUT_MINUTES", 30)

# Demo data, the fake LINE platform and the phone simulator (the demo app): development and demos only.
ESS_DEMO = env_bool("ESS_DEMO", DEBUG)

INSTALLED_APPS = [
    "daphne",
    # SimpleAdminConfig: django-leaflet ships an admin module that needs GeoDjango (GDAL), which this
    # project does not use; ess.apps discovers every other app's admin module instead.
    "django.contrib.admin.apps.SimpleAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "django_htmx",
    "leaflet",
    "template_partials",
    # Login lockout per account (django-axes) and TOTP two-factor with recovery codes (django-otp).
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "ess",
    "incidents",
    "dispatch",
    "console",
    "dashboard",
    "referrals",
    "shifts",
    # Drills (training mode): scenarios played through the real intake, after-action reports (docs/drills.md).
    "drills",
    # Reporters' personal data: the access log, retention, data-subject requests (docs/privacy.md).
    "privacy",
    # The integration API; "ninja" only for its bundled Swagger UI static files (no CDN).
    "ninja",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "ess.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Times every request that reaches Django (not static files) for /metrics.
    "ess.metrics.RequestTimingMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "ess.middleware.ThaiFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): the session passed a second factor (ess.two_factor).
    "django_otp.middleware.OTPMiddleware",
    # Logs out a session idle for SESSION_IDLE_TIMEOUT_MINUTES; no-store on every signed-in page.
    "ess.middleware.IdleTimeoutMiddleware",
    "ess.middleware.NoStoreMiddleware",
    # Everything needs a login unless the view says @login_not_required (webhook, login, health).
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "ess.roles.StaffOnlyMiddleware",
    # Supervisors and administrators (and anyone who enrolled) pass the second factor before any page.
    "ess.two_factor.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last: turns a refused login of a locked account into the login page with the lockout message.
    "axes.middleware.AxesMiddleware",
]

if ESS_DEMO:
    INSTALLED_APPS.append("demo")

ROOT_URLCONF = "ess.urls"
ASGI_APPLICATION = "ess.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ess.roles.staff_context",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------
_database_url = env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
try:
    _db = dj_database_url.parse(_database_url, conn_max_age=0)
except Exception as exc:  # dj_database_url raises several types for a malformed URL
    raise ImproperlyConfigured(f"The environment variable DATABASE_URL is not a database URL: {exc}") from exc
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions take SQLite's write lock at BEGIN, so two concurrent edits of one case
    # queue up instead of both reading the old state (SQLite has no row locks). WAL lets readers go on.
    _db["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    _db.setdefault("TEST", {})["NAME"] = str(BASE_DIR / "test_db.sqlite3")
elif _db["ENGINE"] == "django.db.backends.postgresql":
    _db["CONN_HEALTH_CHECKS"] = True
    # A database that stops answering must not hang every process for ever: connecting gives up after
    # DB_CONNECT_TIMEOUT seconds, a statement after DB_STATEMENT_TIMEOUT_MS (0: no limit). /healthz/ gives up
    # after 2 s on its own (ess.views).
    _db.setdefault("OPTIONS", {})["connect_timeout"] = env_int("DB_CONNECT_TIMEOUT", 5)
    _statement_timeout = env_int("DB_STATEMENT_TIMEOUT_MS", 60_000)
    if _statement_timeout:
        _db["OPTIONS"]["options"] = f"-c statement_timeout={_statement_timeout}"
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Channels and cache ---------------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    if not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured(f"The environment variable REDIS_URL={REDIS_URL!r} must start with redis://.")
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # socket_timeout=None: redis-py 8 reads with a 5 s timeout by default, which aborts the
                # layer's blocking BZPOPMIN and tears every idle websocket down (1011) every 5 s
                # (django/channels_redis#422). Connecting still times out.
                # health_check_interval: a pooled connection idle that long is PINGed before use, so the
                # first command after a Redis restart reconnects instead of failing on a dead socket.
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "socket_timeout": None,
                        "socket_connect_timeout": 5,
                        "health_check_interval": 15,
                        "retry_on_timeout": True,
                    }
                ],
                "prefix": env_str("REDIS_PREFIX", "ess"),
            },
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("REDIS_PREFIX", "ess"),
            "OPTIONS": {"socket_connect_timeout": 5, "socket_timeout": 5, "health_check_interval": 15},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Auth -----------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# The lockout backend first: it refuses a locked account before any password is checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
# Login lockout (django-axes, docs/security.md): the *account* is locked, never the address — a whole call
# centre logs in from one office IP, so an attack on one account must not lock its colleagues out.
# LOGIN_FAILURE_LIMIT wrong passwords in a row lock the username for LOGIN_LOCKOUT_MINUTES (0: until a
# supervisor or administrator unlocks it); each wrong try while locked starts the cool-off again, and
# a successful login clears the count.
AXES_LOCKOUT_PARAMETERS = ["username"]
# axes.W006 asks for the address in the lockout parameters: deliberately not (above). Locking by username
# alone is not bypassed by rotating user agents or cookies: the username is the lock.
SILENCED_SYSTEM_CHECKS.append("axes.W006")
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
if AXES_FAILURE_LIMIT < 1:
    raise ImproperlyConfigured("The environment variable LOGIN_FAILURE_LIMIT must be at least 1.")
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 15)
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_LOCKOUT_MINUTES) if LOGIN_LOCKOUT_MINUTES > 0 else None
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = True
AXES_LOCKOUT_CALLABLE = "ess.lockout.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False
# Two-factor (django-otp, ess.two_factor): the roles that must enrol a TOTP authenticator and pass it at
# every login before any staff page (anyone else may enrol from their security page, and then must pass
# it too). Bearer-token API calls are not affected.
TWO_FACTOR_REQUIRED_ROLES = env_list("TWO_FACTOR_REQUIRED_ROLES", ["supervisor", "admin"])
for _role in TWO_FACTOR_REQUIRED_ROLES:
    if _role not in ("operator", "supervisor", "responder", "admin"):
        raise ImproperlyConfigured(
            f"TWO_FACTOR_REQUIRED_ROLES names an unknown role {_role!r}; use operator, supervisor, responder, admin."
        )
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "ESS Console")
# Wrong codes slow the next try down (1 s, 2 s, 4 s …) per device.
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Language and time ----------------------------------------------------------------------------
LANGUAGE_CODE = "th"
LANGUAGES = [("th", _("Thai")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Bangkok"
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Reporters' photos are private: served only through a staff-only view, never from MEDIA_URL.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- LINE -----------------------------------------------------------------------------------------
LINE_CHANNEL_SECRET = env_str("LINE_CHANNEL_SECRET", "")
LINE_CHANNEL_ACCESS_TOKEN = env_str("LINE_CHANNEL_ACCESS_TOKEN", "")
LINE_API_BASE_URL = env_url("LINE_API_BASE_URL", "https://api.line.me", ("https", "http"))
# The public https:// address of ESS, for links sent to citizens on LINE (the privacy notice). Unset: the
# first concrete host in ALLOWED_HOSTS, over https.
PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL", "")
LINE_DATA_API_BASE_URL = env_url("LINE_DATA_API_BASE_URL", "https://api-data.line.me", ("https", "http"))
# Each call to LINE gives up after this long; the outbox retries with back-off (incidents.line.outbox).
LINE_API_TIMEOUT_SECONDS = env_int("LINE_API_TIMEOUT_SECONDS", 5)
# The Thai TrueType font the rich menu's image is drawn with (manage.py line_setup); Debian: fonts-thai-tlwg.
LINE_RICH_MENU_FONT = env_str("LINE_RICH_MENU_FONT", "/usr/share/fonts/truetype/tlwg/Loma-Bold.ttf")
# LINE's bodies are a few kB; anything far bigger is refused (413) before it is read.
LINE_WEBHOOK_MAX_BYTES = env_int("LINE_WEBHOOK_MAX_BYTES", 1_000_000)
# Webhook checks beyond the signature (incidents.line.guard): the bot's user id LINE puts in `destination`
# (empty: not checked); the age past which an event is dropped (0: off; set it below the inbox purge's age);
# bad signatures one address may send per minute before it is refused (signed requests are never counted).
LINE_BOT_USER_ID = env_str("LINE_BOT_USER_ID", "")
# Drills (#17, docs/drills.md): the drill player signs its webhooks with the channel secret and addresses
# them to this destination instead of the bot's user id; the intake marks what arrives that way as a drill
# (its reporters, their cases) and never sends a drill reporter anything on LINE. Not a LINE id (those are
# "U" + 32 hex digits), so LINE itself can never send a body with it.
LINE_DRILL_DESTINATION = env_str("LINE_DRILL_DESTINATION", "Udrill-ess-console")
# Where the drill player (in the worker) POSTs its signed webhooks: this server's own LINE webhook.
DRILL_WEBHOOK_URL = env_url("DRILL_WEBHOOK_URL", "http://127.0.0.1:8000/line/webhook/", ("https", "http"))
# A drill ends by itself this long after its last scripted step (its open cases are closed, its report kept).
DRILL_END_AFTER_MINUTES = env_int("DRILL_END_AFTER_MINUTES", 60)
LINE_EVENT_MAX_AGE_SECONDS = env_int("LINE_EVENT_MAX_AGE_SECONDS", 0)
LINE_WEBHOOK_BAD_SIGNATURES_PER_MINUTE = env_int("LINE_WEBHOOK_BAD_SIGNATURES_PER_MINUTE", 30)
# How long after receipt the worker leaves an event before processing it. 0: at once (the webhook wakes
# the worker). Per-reporter order holds without it (docs/line.md, "Order"); a few hundred ms would trade
# every report's first moment for an out-of-order delivery LINE rarely makes.
LINE_INBOX_SETTLE_MS = env_int("LINE_INBOX_SETTLE_MS", 0)
# On PostgreSQL the webhook stores through one writer thread per web process that keeps its connection and
# commits the bodies of concurrent requests together (incidents.line.inbox.Writer, docs/benchmarks.md). Off:
# each request stores on a connection of its own, as on SQLite.
LINE_WEBHOOK_WRITER = env_bool("LINE_WEBHOOK_WRITER", True)
# On PostgreSQL a worker process handles up to this many reporters' events (and outbox replies) at once,
# each in a thread with a connection of its own: what it waits for is LINE (profile, replies: ~100 ms each
# over the internet), not CPU. 1: one at a time. SQLite: always one at a time (one writer).
WORKER_THREADS = env_int("WORKER_THREADS", 8)

# --- Maps -----------------------------------------------------------------------------------------
MAP_TILE_URL = env_str("MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_TILE_ATTRIBUTION = env_str("MAP_TILE_ATTRIBUTION", "© OpenStreetMap contributors")
LEAFLET_CONFIG = {
    "DEFAULT_CENTER": (13.7563, 100.5018),
    "DEFAULT_ZOOM": 6,
    "TILES": [("OSM", MAP_TILE_URL, {"attribution": MAP_TILE_ATTRIBUTION, "maxZoom": 19})],
    "RESET_VIEW": False,
}

# --- Operations -----------------------------------------------------------------------------------
# How long an operator's claim on a case lasts without activity before others may take it over.
CLAIM_TTL_SECONDS = env_int("CLAIM_TTL_SECONDS", 10 * 60)

# --- Dispatch (dispatch.deadlines) ---------------------------------------------------------------
# Minutes an agency has to acknowledge an assignment, per priority, counted from the assignment; missing
# it alerts the console and the province's supervisors, and missing twice that escalates again.
ACK_DEADLINE_MINUTES = {
    1: env_int("ACK_DEADLINE_P1_MINUTES", 5),
    2: env_int("ACK_DEADLINE_P2_MINUTES", 15),
    3: env_int("ACK_DEADLINE_P3_MINUTES", 60),
}
# How often the worker (`manage.py worker`) looks for missed acknowledgement deadlines.
DEADLINE_CHECK_SECONDS = env_int("DEADLINE_CHECK_SECONDS", 15)

# /metrics (ess.metrics) answers only to "Authorization: Bearer <METRICS_TOKEN>"; unset, it is off (404).
METRICS_TOKEN = env_str("METRICS_TOKEN", "")

# LOG_FORMAT=json: one JSON object per line (time, level, logger, message, process, exception) for a log
# collector; plain: for people reading a terminal.
LOG_FORMAT = env_choice("LOG_FORMAT", "plain", ("plain", "json"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "ess.logs.JsonFormatter"},
    },
    # No LINE user id or phone number reaches a log line (privacy.logs; docs/privacy.md).
    "filters": {"redact": {"()": "privacy.logs.RedactingFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["redact"]}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # axes logs every failed login at INFO, username included; its warnings (a lockout) are enough.
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

# --- Supervisor dashboard (dashboard.stats) --------------------------------------------------------
# Targets from receipt of a report to each milestone, in minutes; the dashboard's SLA compliance and
# "past deadline" counts measure against these.
SLA_TRIAGE_MINUTES = env_int("SLA_TRIAGE_MINUTES", 10)
SLA_DISPATCH_MINUTES = env_int("SLA_DISPATCH_MINUTES", 30)
SLA_ACKNOWLEDGE_MINUTES = env_int("SLA_ACKNOWLEDGE_MINUTES", 45)
SLA_ON_SCENE_MINUTES = env_int("SLA_ON_SCENE_MINUTES", 90)
SLA_RESOLVE_MINUTES = env_int("SLA_RESOLVE_MINUTES", 24 * 60)
# Warn when, over the last hour, this many more cases came in than the staff on hand cleared.
DASHBOARD_QUEUE_GROWTH_WARNING = env_int("DASHBOARD_QUEUE_GROWTH_WARNING", 3)
# How often the open dashboard refreshes its figures, in seconds.
DASHBOARD_REFRESH_SECONDS = env_int("DASHBOARD_REFRESH_SECONDS", 30)
# How long the figures about a period (not the backlog and staffing "now") are shared from the cache
# between viewers asking the same question; 0 switches the cache off.
DASHBOARD_CACHE_SECONDS = env_int("DASHBOARD_CACHE_SECONDS", 20)
# Period figures come from the exact query while the period holds at most this many cases, from the
# worker's rollups above it (docs/dashboard-rollups.md): live and exact at everyday volumes, bounded in a surge.
DASHBOARD_EXACT_MAX_CASES = env_int("DASHBOARD_EXACT_MAX_CASES", 20000)
# How often the worker recomputes the days whose cases changed (the rollups lag by about this much).
DASHBOARD_ROLLUP_SECONDS = env_int("DASHBOARD_ROLLUP_SECONDS", 10)

# --- Integration API (api/, docs/api.md) ----------------------------------------------------------
# Calls per minute per token (or per staff session); a token may set its own limit in the admin.
API_RATE_LIMIT_PER_MINUTE = env_int("API_RATE_LIMIT_PER_MINUTE", 120)
# The events feed holds back events younger than this, so a transaction that took its event id earlier
# but committed later is not skipped by a reader who already moved past that id (see api/feed.py).
API_EVENTS_SETTLE_SECONDS = env_int("API_EVENTS_SETTLE_SECONDS", 2)

# --- Privacy: retention and pseudonyms (privacy/, docs/privacy.md says why these defaults) ------------
# Raw LINE webhook events (LineEvent.payload, the raw message in Message.payload) are emptied this many
# days after they arrived; the parsed message (text, kind, time) stays with the case.
RETENTION_WEBHOOK_PAYLOAD_DAYS = env_int("RETENTION_WEBHOOK_PAYLOAD_DAYS", 30)
# Photos and other media are deleted this many days after their case was closed (or left the queue
# otherwise: duplicate, referral, false report, cancelled), unless a supervisor put the case on legal hold.
RETENTION_MEDIA_DAYS = env_int("RETENTION_MEDIA_DAYS", 180)
# Reporters whose cases all ended more than this many days ago are anonymised: name, LINE id, phone and
# free text replaced by a marker; cases, categories, places (district) and times stay for the figures.
RETENTION_ANONYMISE_DAYS = env_int("RETENTION_ANONYMISE_DAYS", 365)
# The access log of personal-data reads is kept this long (it names staff, not reporters).
RETENTION_ACCESS_LOG_DAYS = env_int("RETENTION_ACCESS_LOG_DAYS", 730)
# How often the worker runs retention, and how many rows of each kind one run handles at most.
RETENTION_CHECK_SECONDS = env_int("RETENTION_CHECK_SECONDS", 3600)
RETENTION_BATCH = env_int("RETENTION_BATCH", 500)
# The salt of the hashes that stand in for LINE user ids (false-report fingerprints, log lines). Empty:
# derived from SECRET_KEY. Changing it forgets every fingerprint.
PRIVACY_HASH_SALT = env_str("PRIVACY_HASH_SALT", "")
