"""Websockets do not outlive the session that opened them (#11 item 4).

Every console and responder socket joins its user's group (ess.live.user_group). Logging out,
deactivating the account, or changing its staff profile (role, provinces, national reach) sends
`session.ended` to that group and the consumers close with 4401; the page then reloads into the login
page or the new scope. A consumer also re-checks the session before answering a catch-up request.
"""

import time

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db.models.signals import post_save
from django.utils.crypto import constant_time_compare

from ess import live
from ess.middleware import IdleTimeoutMiddleware
from ess.models import StaffProfile

CLOSE_SESSION_ENDED = 4401


def _logged_in(sender, request, user, **kwargs):
    # The idle clock starts at login (ess.middleware.IdleTimeoutMiddleware), saved with the new session,
    # so the first requests after it write nothing.
    if request is not None and hasattr(request, "session"):
        request.session[IdleTimeoutMiddleware.KEY] = time.time()


def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        live.end_sessions(user.pk)


def _user_saved(sender, instance, created, **kwargs):
    if not created and not instance.is_active:
        live.end_sessions(instance.pk)


def _profile_saved(sender, instance, created, **kwargs):
    if not created:
        live.end_sessions(instance.user_id)


def connect_signals() -> None:
    user_logged_in.connect(_logged_in, dispatch_uid="ess.sessions.logged_in")
    user_logged_out.connect(_logged_out, dispatch_uid="ess.sessions.logged_out")
    post_save.connect(_user_saved, sender=get_user_model(), dispatch_uid="ess.sessions.user_saved")
    post_save.connect(_profile_saved, sender=StaffProfile, dispatch_uid="ess.sessions.profile_saved")
    # A responder moved to another agency (by model label: ess does not import dispatch).
    post_save.connect(_profile_saved, sender="dispatch.Responder", dispatch_uid="ess.sessions.responder_saved")


def session_still_valid(scope) -> bool:
    """The socket's session still logs in the same active user, with the same password hash (a password
    change or a logout elsewhere ends it). Runs in a thread (database)."""
    user = scope.get("user")
    session = scope.get("session")
    if user is None or not user.is_authenticated or session is None or not session.session_key:
        return False
    store = session.__class__(session.session_key)
    if str(store.get(SESSION_KEY)) != str(user.pk) or not store.get(BACKEND_SESSION_KEY):
        return False
    fresh = get_user_model().objects.filter(pk=user.pk, is_active=True).first()
    if fresh is None:
        return False
    from ess.two_factor import session_verified  # its second factor still stands (a reset removes it)

    if not session_verified(fresh, store):
        return False
    return constant_time_compare(store.get(HASH_SESSION_KEY, ""), fresh.get_session_auth_hash())
