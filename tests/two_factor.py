"""Two-factor in tests: real TOTP codes, and verified sessions for the test client's logins.

`Client.login()` and `Client.force_login()` (and `tests.browser.login` without a password, which uses
them) log in through a bare HttpRequest. For an account that owes a second factor (supervisors and
administrators, ess.two_factor), `verify_test_logins` then does what a passed code does: it gives the
account a confirmed authenticator and stores it in the session with django_otp.login — the very state
django-otp leaves after a verification. The two-factor tests log in without it (`unverified()`) and pass
real codes computed from the secret (`code_for`, `code_from_secret`).
"""

import time
from base64 import b32decode
from contextlib import contextmanager

from django.contrib.auth.signals import user_logged_in
from django_otp import login as otp_login
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from ess import two_factor

_skip = {"on": False}


def authenticator(user) -> TOTPDevice:
    """The account's confirmed authenticator, made if it has none."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name=two_factor.AUTHENTICATOR, confirmed=True)


def _code(key: bytes, min_t: int = -1) -> str:
    totp = TOTP(key)
    totp.time = time.time()
    # django-otp refuses a time step it already accepted (a replayed code): use the next step then, which
    # it accepts (tolerance 1) for the rest of this one.
    if totp.t() <= min_t:
        totp.time += 30 * (min_t + 1 - totp.t())
    return f"{totp.token():06d}"


def code_for(device: TOTPDevice) -> str:
    device.refresh_from_db()
    return _code(device.bin_key, device.last_t)


def code_from_secret(secret_text: str) -> str:
    """The code an authenticator app shows for the secret printed on the set-up page."""
    return _code(b32decode(secret_text.replace(" ", "")))


def _verify_test_login(sender, request, user, **kwargs):
    if _skip["on"] or request is None or request.path or not two_factor.needs_second_factor(user):
        return  # a real request (the login form) verifies through the two-factor page
    request.user = user
    otp_login(request, authenticator(user))


def verify_test_logins() -> None:
    user_logged_in.connect(_verify_test_login, dispatch_uid="tests.two_factor.verify_test_login")


@contextmanager
def unverified():
    """Test-client logins inside this block owe their second factor, as after a password alone."""
    _skip["on"] = True
    try:
        yield
    finally:
        _skip["on"] = False
