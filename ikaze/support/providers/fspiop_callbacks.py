"""FSPIOP callback routes (/fspiop/...): where the Mojaloop switch answers Ikaze's requests.

Outside /api/v1 on purpose: these are the switch's routes, in the FSPIOP API's shape, not
Ikaze's API (schemathesis does not fuzz them). They only hand the callback to the adapter call
waiting for it (``mojaloop.CallbackInbox``): they change no record, and a callback nobody waits
for is refused with 404. What a callback says about a transfer never marks a payment paid on its
own (SAFEGUARDS E2): the adapter's status query does. In production the reverse proxy lets only
the switch reach /fspiop/ (mutual TLS, ADR 0025).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from ikaze.accounts.decorators import public
from ikaze.support.providers.mojaloop import CallbackError, fsp_id, inbox_from_settings


def receive(kind: str, ident: str, raw: bytes, *, error: bool, destination: str | None) -> int:
    """The HTTP status of one callback: 200 taken, 400 malformed, 404 nobody waits for it."""
    if destination and destination != fsp_id():
        return 404
    try:
        taken = inbox_from_settings().deliver(kind, ident, raw, error=error)
    except CallbackError:
        return 400
    return 200 if taken else 404


def _view(kind: str, *, error: bool) -> Callable[..., HttpResponseBase]:
    @public
    @csrf_exempt
    @require_http_methods(["PUT"])
    def callback(request: HttpRequest, callback_id: str) -> HttpResponse:
        status = receive(
            kind,
            callback_id,
            request.body,
            error=error,
            destination=request.headers.get("FSPIOP-Destination"),
        )
        return HttpResponse(status=status)

    callback.__name__ = f"{kind}_{'error' if error else 'answer'}"
    callback.__qualname__ = callback.__name__
    return callback


parties_answer = _view("parties", error=False)
parties_error = _view("parties", error=True)
quotes_answer = _view("quotes", error=False)
quotes_error = _view("quotes", error=True)
transfers_answer = _view("transfers", error=False)
transfers_error = _view("transfers", error=True)

app_name = "fspiop"
urlpatterns = [
    path("parties/MSISDN/<str:callback_id>", parties_answer, name="parties"),
    path("parties/MSISDN/<str:callback_id>/error", parties_error, name="parties-error"),
    path("quotes/<str:callback_id>", quotes_answer, name="quotes"),
    path("quotes/<str:callback_id>/error", quotes_error, name="quotes-error"),
    path("transfers/<str:callback_id>", transfers_answer, name="transfers"),
    path("transfers/<str:callback_id>/error", transfers_error, name="transfers-error"),
]
