"""Creating and updating staff accounts (used by `create_staff`, `seed_demo` and tests)."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from dispatch.models import Agency, Responder
from ess.models import Role, StaffProfile
from incidents import geo


class StaffError(ValueError):
    """A request for an account that cannot be honoured; the message says why."""


@dataclass
class StaffResult:
    user: object
    created: bool


def ensure_staff(
    username: str,
    *,
    role: str,
    password: str | None = None,
    provinces: list[str] | tuple[str, ...] = (),
    agency_code: str | None = None,
    first_name: str = "",
    last_name: str = "",
    national: bool = False,
) -> StaffResult:
    """Create the account or bring it in line with the arguments. Refuses unknown roles, provinces
    and agencies, and a responder without an agency. National reach is asked for explicitly
    (`national=True`); an operator or supervisor with neither provinces nor it sees no case."""
    if role not in Role.values:
        raise StaffError(f"Unknown role {role!r}; choose one of: {', '.join(Role.values)}.")
    unknown = [code for code in provinces if not geo.is_province(code)]
    if unknown:
        raise StaffError(
            f"Unknown province code(s): {', '.join(unknown)}. Use DOPA codes, e.g. 10 (Bangkok), 50 (Chiang Mai)."
        )
    agency = None
    if agency_code:
        agency = Agency.objects.filter(code=agency_code).first()
        if agency is None:
            raise StaffError(f"Unknown agency {agency_code!r}.")
    if role == Role.RESPONDER and agency is None:
        raise StaffError("A responder must belong to an agency: pass --agency CODE.")
    if role != Role.RESPONDER and agency is not None:
        raise StaffError("Only responders belong to an agency.")
    if national and role == Role.RESPONDER:
        raise StaffError("A responder's reach is their agency's; national is for operators and supervisors.")
    if national and provinces:
        raise StaffError("Give either provinces or national reach, not both.")
    if not username.strip():
        raise StaffError("The username must not be empty.")

    User = get_user_model()
    if password:
        # The same policy as everywhere (AUTH_PASSWORD_VALIDATORS): 12+ characters, not common, not digits.
        existing = User.objects.filter(username=username).first() or User(username=username)
        try:
            validate_password(password, existing)
        except ValidationError as exc:
            raise StaffError("The password is refused: " + " ".join(exc.messages)) from None
    with transaction.atomic():
        user, created = User.objects.get_or_create(username=username)
        if password:
            user.set_password(password)
        elif created:
            user.set_unusable_password()
        if first_name:
            user.first_name = first_name
        if last_name:
            user.last_name = last_name
        user.is_staff = role == Role.ADMIN
        user.is_superuser = role == Role.ADMIN
        user.is_active = True
        user.save()
        StaffProfile.objects.update_or_create(
            user=user, defaults={"role": role, "province_codes": sorted(set(provinces)), "national": national}
        )
        if agency is not None:
            Responder.objects.update_or_create(user=user, defaults={"agency": agency})
        else:
            Responder.objects.filter(user=user).delete()
    return StaffResult(user=user, created=created)
