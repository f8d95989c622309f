"""Sign-in lock-out that an outsider cannot aim at a named officer (issue 9 item 9).

django-axes counts failures per (username, client address) together, never per username
alone: five wrong passwords from one place slow down that place for that account, and the
officer signs in from their own office as usual. The cool-off grows with each lock-out of the
same pair within a day (5 minutes, then 10, 20, ... up to a day), read from the audit chain's
`login.locked_out` security events, which outlive axes' own counters. The account holder is
told of the failures at their next sign-in (views.login_view). An administrator's unlock
(`services.user_unlock`) clears axes' counters and starts the count of lock-outs afresh.
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest

from ikaze.accounts.models import User
from ikaze.audit.selectors import audit_security_events, audit_target_changes
from ikaze.core import clock

BASE_COOL_OFF = dt.timedelta(minutes=5)
MAX_COOL_OFF = dt.timedelta(days=1)
WINDOW = dt.timedelta(days=1)


def client_address(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    return str(getattr(request, "axes_ip_address", "") or request.META.get("REMOTE_ADDR", ""))


def lockout_reason(username: str, client: str) -> str:
    """The reason recorded with a failed or refused sign-in (also how lock-outs are counted)."""
    return f"username={username[:150]} client={client}"


def lockouts_in_window(*, username: str, client: str) -> int:
    """How many times (username, client) met a lock-out in the last day, since the account's
    last unlock by an administrator."""
    since = clock.now() - WINDOW
    unlocked = _last_unlock(username)
    if unlocked is not None and unlocked > since:
        since = unlocked
    return audit_security_events(
        actions=["login.locked_out"],
        since=since,
        reason=lockout_reason(username, client),
    ).count()


def _last_unlock(username: str) -> dt.datetime | None:
    pk = User.objects.filter(username__iexact=username).values_list("pk", flat=True).first()
    if pk is None:
        return None
    unlocks = [
        e.at
        for e in audit_target_changes(target_type="user", target_id=str(pk))
        if e.action == "account.unlock"
    ]
    return max(unlocks, default=None)


def cool_off(request: HttpRequest | None) -> dt.timedelta:
    """AXES_COOLOFF_TIME: 5 minutes for a first lock-out, doubled for each lock-out of the
    same (username, client) within a day, at most a day."""
    if request is None:
        return BASE_COOL_OFF
    username = str(request.POST.get("username", "")) if request.method == "POST" else ""
    if not username:
        return BASE_COOL_OFF
    n = lockouts_in_window(username=username, client=client_address(request))
    return min(BASE_COOL_OFF * 2 ** max(n - 1, 0), MAX_COOL_OFF)
