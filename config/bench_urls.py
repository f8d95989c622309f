"""The URL conf `ikaze bench api` serves: the real one plus a bare view, the baseline."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.urls import handler403, handler404, handler500
from config.urls import urlpatterns as _project


def bare(request: HttpRequest) -> HttpResponse:
    """A constant answer through the same middleware: what Django alone costs per request."""
    return HttpResponse(b'{"status": "ok"}', content_type="application/json")


bare.ikaze_perm = "public"  # type: ignore[attr-defined]

urlpatterns = [path("bench/bare", bare), *_project]

__all__ = ["handler403", "handler404", "handler500", "urlpatterns"]
