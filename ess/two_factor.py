"""Two-factor login (django-otp): a TOTP authenticator app, and recovery codes for a lost phone.

Who must pass it: the roles in TWO_FACTOR_REQUIRED_ROLES (supervisors and administrators by default),
and anyone else who enrolled from their security page. After the password, such a session reaches
nothing but the two-factor pages until a code is accepted (TwoFactorMiddleware for pages, TwoFactorGate
for websockets, api.auth for the API through a session); API bearer tokens are not affected.

A verified session is django-otp's: `django_otp.login(request, device)` stores the device in the
session, and django_otp's OTPMiddleware makes `request.user.is_verified()` true while that device exists.
Recovery codes are one django-otp static device of RECOVERY_CODES single-use codes, shown once.
"""

from base64 import b32encode

from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.http import HttpRequest
from django.shortcuts import redirect
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY, devices_for_user
from django_otp import login as otp_login
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from ess.roles import role_of

RECOVERY_CODES = 10
AUTHENTICATOR = "authenticator"
RECOVERY = "recovery codes"


def required_by_role(user) -> bool:
    return role_of(user) in settings.TWO_FACTOR_REQUIRED_ROLES


def has_authenticator(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def needs_second_factor(user) -> bool:
    """This account passes a second factor at login: by role, or because it enrolled."""
    return required_by_role(user) or has_authenticator(user)


def is_verified(request: HttpRequest) -> bool:
    is_verified = getattr(request.user, "is_verified", None)
    return bool(is_verified and is_verified())


# --- Enrolment -------------------------------------------------------------------------------------


def pending_device(user) -> TOTPDevice:
    """The authenticator being set up: a new secret, kept (unconfirmed) until a code from it is accepted,
    so reloading the page shows the same QR code."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False, name=AUTHENTICATOR).order_by("-id").first()
    return device or TOTPDevice.objects.create(user=user, name=AUTHENTICATOR, confirmed=False)


def secret_text(device: TOTPDevice) -> str:
    """The secret as authenticator apps take it when typed: base32, in groups of four."""
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// URL as an inline SVG QR code, drawn here (no outside service ever sees the secret)."""
    import segno

    return segno.make(device.config_url, error="m").svg_inline(scale=5, border=2, dark="#111", light="#fff")


def clean_code(token) -> str:
    """What the person typed, without spaces and dashes (apps show "123 456", codes are read aloud)."""
    return "".join(str(token or "").split()).replace("-", "").lower()[:32]


def confirm_enrolment(request: HttpRequest, token) -> list[str] | None:
    """Check a code from the pending authenticator. Accepted: it becomes the account's only authenticator,
    new recovery codes replace any old ones (returned, to be shown once) and this session is verified.
    Refused: None, and nothing changes."""
    user = request.user
    token = clean_code(token)
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=user, confirmed=False, name=AUTHENTICATOR)
            .order_by("-id")
            .first()
        )
        if device is None or not token.isdigit() or not device.verify_token(token):
            return None
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = new_recovery_codes(user)
    otp_login(request, device)
    return codes


def new_recovery_codes(user) -> list[str]:
    """RECOVERY_CODES fresh single-use codes; the old ones stop working."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def remove_devices(user) -> None:
    for device in list(devices_for_user(user, confirmed=None)):
        device.delete()


# --- Verification at login -------------------------------------------------------------------------


def verify(request: HttpRequest, token) -> bool:
    """A code from the authenticator, or one recovery code (used up by this). Each device throttles wrong
    codes itself (django-otp: 1 s, 2 s, 4 s … between tries)."""
    token = clean_code(token)
    if not token:
        return False
    # Six digits: the authenticator (a recovery code is 8 letters and digits, rarely digits only).
    kinds = [TOTPDevice, StaticDevice] if token.isdigit() and len(token) == 6 else [StaticDevice]
    with transaction.atomic():
        for kind in kinds:
            for device in kind.objects.filter(user=request.user, confirmed=True).select_for_update():
                if device.verify_token(token):
                    otp_login(request, device)
                    return True
    return False


class TwoFactorMiddleware:
    """A session that must pass a second factor and has not yet reaches only the two-factor pages (and
    logout, the language switch, static files). It is sent to set up an authenticator if it has none, to
    enter a code otherwise. HTMX requests are told where with HX-Redirect; /api/ refuses in api.auth."""

    OPEN_PREFIXES = ("/i18n/", "/static/", "/healthz/", "/metrics", "/line/webhook/", "/api/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(self.OPEN_PREFIXES)
            and request.path not in self._open_paths()
            and not is_verified(request)
            and needs_second_factor(user)
        ):
            target = "accounts:two_factor" if has_authenticator(user) else "accounts:two_factor_setup"
            response = redirect_to_login(request.get_full_path(), reverse(target))
            if request.headers.get("HX-Request"):
                response["HX-Redirect"] = response["Location"]
            return response
        return self.get_response(request)

    @staticmethod
    def _open_paths() -> set[str]:
        return {
            reverse("login"),
            reverse("logout"),
            reverse("accounts:two_factor"),
            reverse("accounts:two_factor_setup"),
        }


def unverified_api_session(request: HttpRequest) -> bool:
    """For api.auth: a staff session that still owes its second factor."""
    return not is_verified(request) and needs_second_factor(request.user)


def next_url(request: HttpRequest) -> str:
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse(settings.LOGIN_REDIRECT_URL)


def go_on(request: HttpRequest):
    return redirect(next_url(request))


# --- Websockets -------------------------------------------------------------------------------------


def session_verified(user, session) -> bool:
    """The websocket's session passed its second factor, if it owes one (the same test as OTPMiddleware's:
    the session's device exists, is confirmed and is the user's)."""
    if user is None or not user.is_authenticated or not needs_second_factor(user):
        return True
    persistent_id = session.get(DEVICE_ID_SESSION_KEY) if session is not None else None
    device = Device.from_persistent_id(persistent_id) if persistent_id else None
    return bool(device is not None and device.user_id == user.pk and device.confirmed)


class TwoFactorGate:
    """Channels middleware (inside AuthMiddlewareStack): a socket whose session still owes its second
    factor is anonymous, so the consumers refuse it as they refuse a logged-out one."""

    def __init__(self, inner):
        self.inner = inner

    async def __call__(self, scope, receive, send):
        user = scope.get("user")
        if user is not None and not await database_sync_to_async(session_verified)(user, scope.get("session")):
            scope = dict(scope, user=AnonymousUser())
        return await self.inner(scope, receive, send)
