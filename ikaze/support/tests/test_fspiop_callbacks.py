"""Ikaze's /fspiop/ routes: the switch's callbacks reach the adapter call waiting for them."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from ikaze.support.providers.mojaloop import CallbackInbox

TRANSFER = "6f1d2c3b-0a4e-4f7d-9c1b-2a3e4f5a6b7c"


@pytest.fixture
def inbox(settings, tmp_path: Path) -> CallbackInbox:
    settings.IKAZE_PAYMENT_PROVIDERS = {
        **settings.IKAZE_PAYMENT_PROVIDERS,
        "mojaloop": {"callback_dir": str(tmp_path), "fsp_id": "ikaze"},
    }
    return CallbackInbox(tmp_path)


def _put(client: Client, url: str, body: str, **headers: str):
    return client.put(url, data=body, content_type="application/json", headers=headers)


@pytest.mark.django_db
def test_a_callback_awaited_is_taken_once(inbox: CallbackInbox) -> None:
    client = Client(enforce_csrf_checks=True)  # the switch has no CSRF token
    inbox.expect("transfers", TRANSFER)
    body = '{"transferState": "COMMITTED"}'
    response = _put(client, f"/fspiop/transfers/{TRANSFER}", body, FSPIOP_Destination="ikaze")
    assert response.status_code == 200
    got = inbox.wait("transfers", TRANSFER, 1)
    assert got is not None and got.body == {"transferState": "COMMITTED"} and not got.error
    # Nobody waits any more: the same callback again is refused and kept nowhere.
    assert _put(client, f"/fspiop/transfers/{TRANSFER}", body).status_code == 404
    assert list(inbox.folder.iterdir()) == []


@pytest.mark.django_db
def test_an_error_callback_says_so(inbox: CallbackInbox) -> None:
    inbox.expect("parties", "250788123456")
    body = '{"errorInformation": {"errorCode": "3204", "errorDescription": "Party not found"}}'
    response = _put(Client(), "/fspiop/parties/MSISDN/250788123456/error", body)
    assert response.status_code == 200
    got = inbox.wait("parties", "250788123456", 1)
    assert got is not None and got.error and got.error_code == "3204"


@pytest.mark.django_db
def test_callbacks_nobody_asked_for_or_malformed_are_refused(inbox: CallbackInbox) -> None:
    client = Client()
    assert _put(client, f"/fspiop/transfers/{TRANSFER}", "{}").status_code == 404
    inbox.expect("quotes", TRANSFER)
    assert _put(client, f"/fspiop/quotes/{TRANSFER}", "not json").status_code == 400
    # Meant for another participant of the switch.
    wrong = _put(client, f"/fspiop/quotes/{TRANSFER}", "{}", FSPIOP_Destination="otherfsp")
    assert wrong.status_code == 404
    assert _put(client, "/fspiop/quotes/a..b", "{}").status_code == 400
    assert client.get(f"/fspiop/quotes/{TRANSFER}").status_code == 405
    assert client.post(f"/fspiop/quotes/{TRANSFER}", "{}", "application/json").status_code == 405
    assert inbox.wait("quotes", TRANSFER, 0.05) is None
