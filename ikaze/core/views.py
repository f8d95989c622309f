"""The landing page and the error pages. The landing page's content comes from the actor's
navigation (ikaze.accounts.navigation), so core stays free of app imports."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render


def home(request: HttpRequest) -> HttpResponse:
    if getattr(request, "actor", None) is None:
        return redirect("accounts:login")
    return render(request, "core/home.html")


home.ikaze_perm = "signed_in"  # type: ignore[attr-defined]


def permission_denied(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return render(request, "403.html", {"reason": str(exception or "")}, status=403)


def page_not_found(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "500.html", status=500)
