"""The landing page and the error pages. The landing page's content comes from the actor's
navigation (ikaze.accounts.navigation), and what waits behind each entry comes from the app
that serves it (registered in its apps.py), so core imports no feature app."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from ikaze.accounts.navigation import nav_for


def home(request: HttpRequest) -> HttpResponse:
    actor = getattr(request, "actor", None)
    if actor is None:
        return redirect("accounts:login")
    # The same entries as the navigation, each with what waits there for this person.
    return render(request, "core/home.html", {"landing_items": nav_for(actor, waiting=True)})


home.ikaze_perm = "signed_in"  # type: ignore[attr-defined]


def permission_denied(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return render(request, "403.html", {"reason": str(exception or "")}, status=403)


def page_not_found(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "500.html", status=500)
