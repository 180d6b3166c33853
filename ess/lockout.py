"""What a locked account sees: the login page itself, with a message saying why and for how long (django-axes
calls `lockout_response` through AXES_LOCKOUT_CALLABLE). The same answer whatever password was typed and
whether or not the username exists, so the page confirms neither."""

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.shortcuts import render


def lockout_response(request, original_response=None, credentials=None):
    # axes' async path passes (request, credentials); its sync path (request, response, credentials).
    if isinstance(original_response, dict) and credentials is None:
        credentials = original_response
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    form = AuthenticationForm(request, initial={"username": str(username)[:150]})
    return render(
        request,
        "registration/login.html",
        {
            "form": form,
            "locked_out": True,
            "lockout_minutes": settings.LOGIN_LOCKOUT_MINUTES,
            "next": request.POST.get("next", ""),
        },
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
