"""Page guards: every view names its permission with `@requires(...)` or `@public`."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponseBase
from django.shortcuts import render

from ikaze.accounts.access import Perm
from ikaze.accounts.actor import actor_or_none
from ikaze.accounts.guards import record_denial, record_probe, require
from ikaze.core.errors import NotFound, PermissionDenied

View = Callable[..., HttpResponseBase]
SIGNED_IN = "signed_in"  # any signed-in person, whatever the role


def requires(perm: Perm | str) -> Callable[[View], View]:
    """Guard a page: anonymous → login; no permission → 403 (recorded); not found → 404."""

    def decorator(view: View) -> View:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            actor = actor_or_none(request)
            if actor is None:
                return redirect_to_login(request.get_full_path())
            try:
                if perm != SIGNED_IN:
                    require(actor, Perm(perm), target_type="page")
                return view(request, *args, **kwargs)
            except PermissionDenied as exc:
                record_denial(actor, exc, path=request.path)
                return render(request, "403.html", {"reason": exc.message}, status=403)
            except NotFound as exc:
                record_probe(actor, exc, path=request.path)
                raise Http404(exc.message) from exc

        wrapper.ikaze_perm = str(perm)  # type: ignore[attr-defined]
        return wrapper

    return decorator


def public(view: View) -> View:
    """Mark a page as reachable without signing in (login, health, error pages)."""
    view.ikaze_perm = "public"  # type: ignore[attr-defined]
    return view
