"""Request body limits and cache headers, for every page and every API operation alike."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponseBase, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.utils.translation import gettext

from ikaze.core.error_codes import ErrorCode
from ikaze.core.errors import IkazeError, ValidationError
from ikaze.core.text import FREE_TEXT_MAX_CHARS, text_problem

API_PREFIX = "/api/"
# A multipart body carries the file and a few form fields around it.
_MULTIPART_OVERHEAD_BYTES = 64 * 1024


class PayloadTooLarge(IkazeError):
    code = ErrorCode.TOO_LARGE
    status = 413


def body_limit(request: HttpRequest) -> int:
    """The largest body `request` may send: a file upload up to the upload limit, anything else
    (a form, JSON) up to DATA_UPLOAD_MAX_MEMORY_SIZE, which Django enforces again on reading."""
    if request.META.get("CONTENT_TYPE", "").startswith("multipart/form-data"):
        return int(settings.IKAZE_UPLOAD_MAX_BYTES) + _MULTIPART_OVERHEAD_BYTES
    return int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)


def body_too_large_error(limit: int | None = None) -> PayloadTooLarge:
    details = {"limit_bytes": limit} if limit is not None else {}
    return PayloadTooLarge(
        gettext("The request is larger than the limit; nothing was read or saved."),
        details=details,
    )


_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class RequestLimitsMiddleware:
    """Refuse, before any view sees it, a request over the limits every interface shares.

    - A body over the limit answers 413. Django raises RequestDataTooBig only when a view
      reads the body, which the API turned into a 500 and pages into a bare 400; here the
      declared Content-Length decides, before the session, CSRF or a view touch the body.
    - A control character in a page's query parameter or form field, or a value longer than
      any field holds, answers 422 naming the field (a NUL reached SQLite as stored text and
      PostgreSQL as a server error; a page's textarea had no limit). Free text
      keeps tab and line breaks here; each service refuses them where its field is one line.
      The API checks its own input after authenticating (`config.api.ObjectJSONParser` and
      the schemas' `ikaze.core.text.Text`).

    The API answers in its error shape, pages with an error page.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = body_limit(request)
        if length > limit:
            return self._refuse(request, body_too_large_error(limit), {"limit": limit})
        try:
            # The API checks its parameters itself, after authenticating (config/api.py).
            problems = {} if request.path_info.startswith(API_PREFIX) else _field_problems(request)
        except (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent):
            return self._refuse(request, body_too_large_error(limit), {"limit": limit})
        if problems:
            error = ValidationError(gettext("The request is not valid."), details=problems)
            return self._refuse(request, error, {"problems": problems})
        return self.get_response(request)

    @staticmethod
    def _refuse(
        request: HttpRequest, error: IkazeError, context: dict[str, object]
    ) -> HttpResponseBase:
        if request.path_info.startswith(API_PREFIX):
            return JsonResponse(error.as_dict(), status=error.status)
        template = "413.html" if error.status == 413 else "422.html"
        return render(request, template, context, status=error.status)


def _field_problems(request: HttpRequest) -> dict[str, list[str]]:
    """Field → reason for each query parameter or form field holding a control character or
    longer than any field of Ikaze holds (free text: FREE_TEXT_MAX_CHARS); each field's own
    limit is its form's and its service's to hold."""
    problems: dict[str, list[str]] = {}
    sources = [request.GET]
    if request.method == "POST" and request.META.get("CONTENT_TYPE", "").startswith(_FORM_TYPES):
        # A broken multipart body is the view's to answer, as it always was.
        with contextlib.suppress(MultiPartParserError):
            sources.append(request.POST)
    for source in sources:
        for key, values in source.lists():
            for value in [key, *values]:
                problem = text_problem(value, max_length=FREE_TEXT_MAX_CHARS, multiline=True)
                if problem is not None:
                    problems.setdefault(key[:60], []).append(problem.text())
                    break
    return problems


class NoStoreMiddleware:
    """`Cache-Control: no-store` on every answer but static files.

    Pages and API answers carry personal data or depend on who asks; no browser, proxy or
    shared computer may keep a copy. Static files (whitenoise, ahead of this middleware)
    keep their long cache lifetimes.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if not request.path_info.startswith(settings.STATIC_URL):
            response["Cache-Control"] = "no-store"
            response["Pragma"] = "no-cache"
        return response
