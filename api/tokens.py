"""Issuing, checking and revoking API tokens.

A token reads `ess_<prefix>_<secret>`: 8 hex characters to find the row, then 256 random bits. Only the
SHA-256 of the whole token is stored — a high-entropy secret needs no slow hash, and a leaked table
gives nothing to replay. The plain token exists once, in the value `issue_token` returns.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from api.models import ApiToken
from dispatch.staff import StaffError, ensure_staff
from ess.models import Role

TOKEN_PREFIX = "ess_"


@dataclass
class IssuedToken:
    token: ApiToken
    secret: str  # show it once; it is not stored


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _account_username(prefix: str) -> str:
    return f"api-{prefix}"


def sync_account(token: ApiToken) -> None:
    """Write the token's role and reach onto its service account (creating it the first time), through
    the same function that manages staff, so the same checks apply (known provinces, a responder token
    needs an agency). Raises StaffError naming what is wrong."""
    result = ensure_staff(
        _account_username(token.prefix),
        role=token.role,
        provinces=list(token.province_codes or []),
        # A token's reach is set by the administrator who issues it: without provinces it is national.
        national=token.role in (Role.OPERATOR, Role.SUPERVISOR) and not token.province_codes,
        agency_code=token.agency.code if token.agency_id else None,
        first_name=f"API: {token.name}"[:150],
    )
    account = result.user
    # The account never logs in (no usable password) and is never a Django superuser: its reach is
    # its StaffProfile's, like everyone's.
    account.is_staff = account.is_superuser = False
    account.is_active = token.revoked_at is None
    account.set_unusable_password()
    account.save(update_fields=["is_staff", "is_superuser", "is_active", "password"])
    token.account = account


def issue_token(
    name: str,
    *,
    role: str,
    provinces: list[str] | tuple[str, ...] = (),
    agency=None,
    created_by=None,
    rate_limit_per_minute: int | None = None,
) -> IssuedToken:
    """Create a token and its service account; return the plain secret (shown once)."""
    if role not in Role.values:
        raise StaffError(f"Unknown role {role!r}; choose one of: {', '.join(Role.values)}.")
    with transaction.atomic():
        prefix = secrets.token_hex(4)
        while ApiToken.objects.filter(prefix=prefix).exists():
            prefix = secrets.token_hex(4)
        secret = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
        token = ApiToken(
            name=name,
            prefix=prefix,
            secret_hash=hash_secret(secret),
            role=role,
            province_codes=sorted(set(provinces)),
            agency=agency,
            created_by=created_by,
            rate_limit_per_minute=rate_limit_per_minute,
        )
        sync_account(token)
        token.save()
    return IssuedToken(token=token, secret=secret)


def revoke_token(token: ApiToken) -> None:
    """Refuse the token from now on (its account is switched off too); the row and its log stay."""
    with transaction.atomic():
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
        token.account.is_active = False
        token.account.save(update_fields=["is_active"])


def find_token(secret: str) -> ApiToken | None:
    """The live token this secret belongs to, or None (unknown, malformed, wrong or revoked)."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    prefix, _, rest = secret[len(TOKEN_PREFIX) :].partition("_")
    if not prefix or not rest:
        return None
    token = ApiToken.objects.select_related("account", "agency").filter(prefix=prefix).first()
    if token is None or not hmac.compare_digest(token.secret_hash, hash_secret(secret)):
        return None
    if token.revoked_at is not None or not token.account.is_active:
        return None
    return token


class _DryRun(Exception):
    pass


def check_scope(role: str, provinces, agency) -> None:
    """Raise StaffError if a token with this role and reach could not have its account (the checks of
    dispatch.staff.ensure_staff, run and rolled back, so the rules live in one place)."""
    try:
        with transaction.atomic():
            ensure_staff(
                "api-scope-check",
                role=role,
                provinces=list(provinces or []),
                agency_code=agency.code if agency is not None else None,
            )
            raise _DryRun
    except _DryRun:
        pass
