"""Staff account pages: the second factor at login and its set-up, each person's security page, and the
supervisors' and administrators' staff security page (unlock, reset two-factor). Thin: the rules are in
ess.two_factor and ess.accounts."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ess import accounts, two_factor
from ess.roles import is_staff_member, role_required


def _staff_only(request: HttpRequest) -> HttpResponse | None:
    # /accounts/ is open to role-less accounts for login and logout; these pages are not.
    if not is_staff_member(request.user):
        return render(request, "accounts/refused.html", status=403)
    return None


def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """After the password: a code from the authenticator app, or one recovery code."""
    if refused := _staff_only(request):
        return refused
    if two_factor.is_verified(request):
        return two_factor.go_on(request)
    if not two_factor.has_authenticator(request.user):
        return redirect("accounts:two_factor_setup")
    error = None
    if request.method == "POST":
        if two_factor.verify(request, request.POST.get("code")):
            return two_factor.go_on(request)
        error = _("That code was not accepted. Enter the 6 digits your app shows now, or an unused recovery code.")
    return render(
        request,
        "accounts/two_factor.html",
        {"error": error, "next": two_factor.next_url(request)},
        status=200 if error is None else 400,
    )


def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Enrol (or replace) an authenticator: the QR code and the secret in text, then a code to prove it.
    Replacing one needs a verified session; a first one needs only the password (that is the point of
    the first login of a supervisor)."""
    if refused := _staff_only(request):
        return refused
    user = request.user
    if two_factor.has_authenticator(user) and not two_factor.is_verified(request):
        return redirect("accounts:two_factor")
    device = two_factor.pending_device(user)
    error = None
    if request.method == "POST":
        codes = two_factor.confirm_enrolment(request, request.POST.get("code"))
        if codes is not None:
            return render(
                request, "accounts/recovery_codes.html", {"codes": codes, "next": two_factor.next_url(request)}
            )
        error = _("That code was not accepted. Check the time on the phone and enter the 6 digits the app shows now.")
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "qr": two_factor.qr_svg(device),
            "secret": two_factor.secret_text(device),
            "error": error,
            "required": two_factor.required_by_role(user),
            "next": two_factor.next_url(request),
        },
        status=200 if error is None else 400,
    )


def security(request: HttpRequest) -> HttpResponse:
    """Every member of staff: whether two-factor is on, how many recovery codes are left, new codes."""
    if refused := _staff_only(request):
        return refused
    user = request.user
    return render(
        request,
        "accounts/security.html",
        {
            "enrolled": two_factor.has_authenticator(user),
            "required": two_factor.required_by_role(user),
            "codes_left": two_factor.recovery_codes_left(user),
        },
    )


@require_POST
def recovery_codes(request: HttpRequest) -> HttpResponse:
    if refused := _staff_only(request):
        return refused
    if not two_factor.has_authenticator(request.user):
        return redirect("accounts:security")
    codes = two_factor.new_recovery_codes(request.user)
    return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": ""})


@role_required(*accounts.MANAGER_ROLES)
def staff(request: HttpRequest) -> HttpResponse:
    people = accounts.manageable_staff(request.user)
    locked = accounts.locked_usernames(p.get_username() for p in people)
    from django_otp.plugins.otp_totp.models import TOTPDevice

    enrolled = set(TOTPDevice.objects.filter(user__in=people, confirmed=True).values_list("user_id", flat=True))
    rows = [
        {"user": p, "locked": p.get_username() in locked, "enrolled": p.pk in enrolled}
        for p in sorted(people, key=lambda p: (p.get_username() not in locked, p.get_username()))
    ]
    return render(request, "accounts/staff.html", {"rows": rows, "events": accounts.recent_events(request.user)})


@role_required(*accounts.MANAGER_ROLES)
@require_POST
def unlock(request: HttpRequest) -> HttpResponse:
    try:
        event = accounts.unlock(request.user, request.POST.get("user"))
    except accounts.NotAllowed as refused:
        return render(request, "accounts/refused.html", {"message": str(refused)}, status=404)
    messages.success(request, _("%(username)s may log in again.") % {"username": event.target_username})
    return redirect("accounts:staff")


@role_required(*accounts.MANAGER_ROLES)
@require_POST
def reset_two_factor(request: HttpRequest) -> HttpResponse:
    try:
        event = accounts.reset_two_factor(request.user, request.POST.get("user"))
    except accounts.NotAllowed as refused:
        return render(request, "accounts/refused.html", {"message": str(refused)}, status=404)
    messages.success(
        request,
        _("Two-factor of %(username)s was reset: they set up an authenticator at their next login.")
        % {"username": event.target_username},
    )
    return redirect("accounts:staff")
