"""The Mojaloop (FSPIOP) adapter against the Mojaloop Testing Toolkit playing eKash.

The toolkit (npm ml-testing-toolkit, installed by the bootstrap's `npm ci`) is started once per
test process on ports of its own; faults are rules pushed over its admin API, and its request
history tells how many transfers it received. No database: these are provider tests.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from ikaze.support.providers import ttk
from ikaze.support.providers.base import (
    ProviderRefused,
    ProviderUnavailable,
    TransferState,
    TransferStatus,
)
from ikaze.support.providers.mojaloop import (
    CallbackError,
    CallbackInbox,
    MojaloopProvider,
    minor_units,
    party_id,
    wire_amount,
)

PAYEE = "+250788123456"
PAYEE_DIGITS = "250788123456"
CALLBACK_TIMEOUT = 2.0


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory) -> CallbackInbox:
    return CallbackInbox(tmp_path_factory.mktemp("fspiop-inbox"))


@pytest.fixture(scope="module")
def toolkit(
    tmp_path_factory: pytest.TempPathFactory, inbox: CallbackInbox
) -> Iterator[ttk.TestingToolkit]:
    with ttk.running_toolkit(tmp_path_factory.mktemp("ttk-run"), inbox) as toolkit:
        yield toolkit


@pytest.fixture
def switch(toolkit: ttk.TestingToolkit) -> Iterator[ttk.TestingToolkit]:
    """The toolkit as a healthy switch again after each test's faults."""
    toolkit.behave()
    yield toolkit
    toolkit.behave()


@pytest.fixture
def provider(switch: ttk.TestingToolkit, inbox: CallbackInbox) -> MojaloopProvider:
    return MojaloopProvider(
        base_url=switch.fspiop_url,
        fsp_id="ikaze",
        inbox=inbox,
        callback_timeout=CALLBACK_TIMEOUT,
        http_timeout=5,
    )


def _submit(
    provider: MojaloopProvider, ref: uuid.UUID, amount_minor: int = 15_000
) -> TransferStatus:
    return provider.submit(
        reference_id=ref, msisdn=PAYEE, amount_minor=amount_minor, currency="RWF", note="relief"
    )


# --- without the toolkit -----------------------------------------------------------------------


def test_amounts_cross_the_wire_as_strings_and_come_back_exact() -> None:
    assert wire_amount(2_000_000, "RWF") == "2000000"
    assert wire_amount(12_345, "USD") == "123.45"
    assert wire_amount(12_300, "USD") == "123"  # FSPIOP's pattern allows no trailing zero
    for minor in (0, 1, 7, 10, 99_999, 2_000_000):
        assert minor_units(wire_amount(minor, "USD"), "USD") == minor
        assert minor_units(wire_amount(minor, "RWF"), "RWF") == minor
    for bad in ("1.5", "None", "NaN", "Infinity"):  # a franc has no cents; the rest no amount
        with pytest.raises(ProviderRefused):
            minor_units(bad, "RWF")


def test_a_number_that_is_not_a_phone_number_is_refused() -> None:
    assert party_id("0788123456") == PAYEE_DIGITS
    assert party_id(PAYEE) == PAYEE_DIGITS
    for bad in ("12", "+250 12", "not a number"):
        with pytest.raises(ProviderRefused) as exc:
            party_id(bad)
        assert exc.value.code == "invalid_msisdn"


def test_over_the_switch_limit_is_refused_before_any_call(tmp_path: Path) -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(202)

    provider = MojaloopProvider(
        base_url="http://switch.invalid",
        fsp_id="ikaze",
        inbox=CallbackInbox(tmp_path),
        transport=httpx.MockTransport(handler),
    )
    with pytest.raises(ProviderRefused) as exc:
        _submit(provider, uuid.uuid4(), amount_minor=2_000_001)
    assert exc.value.code == "over_switch_limit"
    assert "2000000" in exc.value.message
    for bad_amount in (0, -5):
        with pytest.raises(ProviderRefused):
            _submit(provider, uuid.uuid4(), amount_minor=bad_amount)
    assert calls == []


@pytest.mark.parametrize(
    ("answer", "raised", "code"),
    [
        (
            httpx.Response(400, json={"errorInformation": {"errorCode": "3101"}}),
            ProviderRefused,
            "3101",
        ),
        (httpx.Response(500), ProviderUnavailable, None),
        (
            httpx.Response(503, json={"errorInformation": {"errorCode": "2003"}}),
            ProviderUnavailable,
            None,
        ),
        (httpx.ConnectError("refused"), ProviderUnavailable, None),
    ],
)
def test_what_the_switch_answers_at_once_decides_refused_or_retry(
    tmp_path: Path, answer: httpx.Response | Exception, raised: type[Exception], code: str | None
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if isinstance(answer, Exception):
            raise answer
        return answer

    inbox = CallbackInbox(tmp_path)
    provider = MojaloopProvider(
        base_url="http://switch.invalid",
        fsp_id="ikaze",
        inbox=inbox,
        transport=httpx.MockTransport(handler),
    )
    with pytest.raises(raised) as exc:
        provider.check_payee(PAYEE)
    if code is not None:
        assert getattr(exc.value, "code", None) == code
    assert [p.name for p in tmp_path.iterdir()] == []  # nobody waits for a callback any more


def test_the_inbox_takes_only_answers_someone_waits_for(tmp_path: Path) -> None:
    inbox = CallbackInbox(tmp_path)
    assert inbox.deliver("parties", PAYEE_DIGITS, b'{"party": {}}', error=False) is False
    inbox.expect("parties", PAYEE_DIGITS)
    with pytest.raises(CallbackError):
        inbox.deliver("parties", PAYEE_DIGITS, b"not json", error=False)
    with pytest.raises(CallbackError):
        inbox.deliver("parties", "../etc/passwd", b"{}", error=False)
    assert inbox.deliver("parties", PAYEE_DIGITS, b'{"party": {"name": "A"}}', error=False)
    got = inbox.wait("parties", PAYEE_DIGITS, 1)
    assert got is not None and got.body == {"party": {"name": "A"}} and not got.error
    # Taken once: a second wait finds nothing, and nobody waits any more.
    assert inbox.wait("parties", PAYEE_DIGITS, 0.05) is None
    assert inbox.deliver("parties", PAYEE_DIGITS, b"{}", error=False) is False


def test_the_demo_starts_no_switch_unless_it_pays_through_mojaloop(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(ttk.DEMO_PROVIDER_ENV, raising=False)
    assert ttk.demo_switch("127.0.0.1:8000", tmp_path) is None
    monkeypatch.setenv(ttk.DEMO_PROVIDER_ENV, "momo")
    assert ttk.demo_switch("127.0.0.1:8000", tmp_path) is None
    assert list(tmp_path.iterdir()) == []


# --- against the toolkit -----------------------------------------------------------------------


def test_lookup_quote_transfer_and_status_speak_fspiop(
    provider: MojaloopProvider, switch: ttk.TestingToolkit
) -> None:
    check = provider.check_payee(PAYEE)
    assert check.active and check.name == "Test Payee" and check.reason is None

    ref = uuid.uuid4()
    submitted = provider.submit(
        reference_id=ref, msisdn=PAYEE, amount_minor=15_000, currency="RWF", note="relief"
    )
    # E2: the transfer's callback said COMMITTED, yet only the status query says paid.
    assert submitted.state == TransferState.SUBMITTED
    assert submitted.provider_ref == str(ref)
    assert provider.status(ref).state == TransferState.SUCCESSFUL

    seen = switch.requests()
    lookup = next(r for r in seen if r["path"] == f"/parties/MSISDN/{PAYEE_DIGITS}")
    headers = lookup["headers"]
    assert headers["fspiop-source"] == "ikaze"
    assert headers["content-type"] == "application/vnd.interoperability.parties+json;version=1.1"
    assert headers["date"].endswith("GMT")
    quote = next(
        r for r in seen if r["path"] == "/quotes" and r["body"]["transactionId"] == str(ref)
    )
    assert quote["headers"]["fspiop-destination"] == ttk.PAYEE_FSP
    assert quote["body"]["amount"] == {"amount": "15000", "currency": "RWF"}
    [transfer] = switch.transfers_posted(str(ref))
    assert transfer["body"]["transferId"] == str(ref)  # E1: our reference id
    assert transfer["body"]["amount"] == {"amount": "15000", "currency": "RWF"}
    assert transfer["body"]["condition"] and transfer["body"]["ilpPacket"]


def test_one_payee_looked_up_by_many_threads_at_once(provider: MojaloopProvider) -> None:
    """Two entitlements of one household head in a batch: their lookups share one callback
    route (PUT /parties/MSISDN/{id}) and must not take each other's answer."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        checks = list(pool.map(lambda _: provider.check_payee(PAYEE), range(4)))
    assert [c.active for c in checks] == [True] * 4


def test_party_not_found_3204(provider: MojaloopProvider, switch: ttk.TestingToolkit) -> None:
    switch.behave(
        validation=[
            ttk.error_rule(
                "/parties/{Type}/{ID}", "get", "3204", "Party not found", ttk.when_id(PAYEE_DIGITS)
            )
        ]
    )
    check = provider.check_payee(PAYEE)
    assert not check.active and check.name is None
    assert check.reason is not None and check.reason.startswith("3204")

    ref = uuid.uuid4()
    with pytest.raises(ProviderRefused) as exc:
        _submit(provider, ref)
    assert exc.value.code == "3204"
    assert switch.transfers_posted(str(ref)) == []


def test_insufficient_liquidity_4001_is_a_refusal(
    provider: MojaloopProvider, switch: ttk.TestingToolkit
) -> None:
    ref = uuid.uuid4()
    switch.behave(
        validation=[
            ttk.error_rule(
                "/transfers",
                "post",
                "4001",
                "Payer FSP insufficient liquidity",
                ttk.when_transfer(str(ref)),
                remember=True,
            )
        ],
        callback=[ttk.status_rule(str(ref), "ABORTED")],
    )
    with pytest.raises(ProviderRefused) as exc:
        _submit(provider, ref)
    assert exc.value.code == "4001"
    assert provider.status(ref).state == TransferState.FAILED
    assert len(switch.transfers_posted(str(ref))) == 1


def test_no_callback_times_out_then_the_retry_posts_nothing_twice(
    provider: MojaloopProvider, switch: ttk.TestingToolkit
) -> None:
    ref = uuid.uuid4()
    switch.behave(callback=[ttk.no_callback_rule("/transfers", "post", remember=True)])
    started = time.monotonic()
    with pytest.raises(ProviderUnavailable):
        _submit(provider, ref)
    assert time.monotonic() - started >= CALLBACK_TIMEOUT

    # The sender tries again with the same reference id (E1): the switch has it, so the adapter
    # asks instead of posting, and the answer comes from the status query (E2).
    again = _submit(provider, ref)
    assert again.state == TransferState.SUCCESSFUL
    assert provider.status(ref).state == TransferState.SUCCESSFUL
    assert len(switch.transfers_posted(str(ref))) == 1


def test_a_delayed_callback_is_waited_for(
    provider: MojaloopProvider, switch: ttk.TestingToolkit
) -> None:
    ref = uuid.uuid4()
    switch.behave(callback=[ttk.delayed_transfer_rule(800)])
    started = time.monotonic()
    assert _submit(provider, ref).state == TransferState.SUBMITTED
    assert time.monotonic() - started >= 0.8
    assert provider.status(ref).state == TransferState.SUCCESSFUL


def test_a_callback_later_than_the_wait_is_dropped_and_the_retry_asks(
    provider: MojaloopProvider, switch: ttk.TestingToolkit
) -> None:
    ref = uuid.uuid4()
    switch.behave(callback=[ttk.delayed_transfer_rule(int(CALLBACK_TIMEOUT * 1000) + 500)])
    with pytest.raises(ProviderUnavailable):
        _submit(provider, ref)
    time.sleep(0.7)  # the late callback comes while nobody waits: refused, nothing kept
    assert _submit(provider, ref).state == TransferState.SUCCESSFUL
    assert len(switch.transfers_posted(str(ref))) == 1


def test_503_from_the_switch_is_unavailable_and_a_retry_pays_once(
    provider: MojaloopProvider, switch: ttk.TestingToolkit
) -> None:
    switch.behave(response=[ttk.http_error_rule("/parties/{Type}/{ID}", "get", 503)])
    with pytest.raises(ProviderUnavailable):
        provider.check_payee(PAYEE)

    ref = uuid.uuid4()
    switch.behave(response=[ttk.http_error_rule("/transfers", "post", 503)])
    with pytest.raises(ProviderUnavailable):
        _submit(provider, ref)
    # A 503 means the switch did not take it: it does not know the transfer...
    with pytest.raises(ProviderRefused) as exc:
        provider.status(ref)
    assert exc.value.code == "RESOURCE_NOT_FOUND" and exc.value.message.startswith("3208")
    # ...so the retry, once the switch is back, posts the same transferId, and it is paid once.
    switch.behave()
    assert _submit(provider, ref).state == TransferState.SUBMITTED
    assert provider.status(ref).state == TransferState.SUCCESSFUL
    posted = switch.transfers_posted(str(ref))
    assert len(posted) == 2 and {p["body"]["transferId"] for p in posted} == {str(ref)}


# --- a batch sent through the switch -------------------------------------------------------------


@pytest.mark.django_db
def test_a_batch_sent_through_the_switch_pays_each_once_despite_a_lost_answer(
    fin: Any, provider: MojaloopProvider, switch: ttk.TestingToolkit
) -> None:
    """The sender with this adapter: one transfer's callback never comes; the sender retries
    with the same reference id, the adapter asks the switch, and nothing is posted twice."""
    from ikaze.support.models import Payment
    from ikaze.support.reconciliation import reconciliation_run
    from ikaze.support.sender import batch_send_run
    from ikaze.support.tests.conftest import assert_ledger_consistent, entitled
    from ikaze.support.tests.test_payments import sending

    entitled(fin, 3)
    batch = sending(fin)
    payments = Payment.objects.filter(batch=batch)
    refs = [str(r) for r in payments.values_list("reference_id", flat=True)]
    lost = ttk.no_callback_rule("/transfers", "post", ttk.when_transfer(refs[0]), remember=True)
    switch.behave(callback=[lost])

    result = batch_send_run(batch_id=batch.pk, provider=provider, workers=3)

    assert result.done
    assert set(payments.values_list("state", flat=True)) == {"successful"}
    assert {ref: len(switch.transfers_posted(ref)) for ref in refs} == dict.fromkeys(refs, 1)
    assert_ledger_consistent()

    # The reconciliation asks the switch about each: all agree; FSPIOP has no balance to check.
    run = reconciliation_run(actor=fin.officer, batch=batch, provider=provider)
    assert (run.checked, run.incidents, run.unreconciled) == (3, 0, 0)
    assert [d["kind"] for d in run.differences] == ["balance_unchecked"]
