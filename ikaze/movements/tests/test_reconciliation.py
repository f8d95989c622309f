"""The reconciliation (a property test): whatever sequence of boarding, arrival and check-in
events, the counts balance, and every entry off the path is a discrepancy (an incident)."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from ikaze.movements.reconciliation import EntryFacts, reconcile

T0 = dt.datetime(2026, 1, 1, 12, tzinfo=dt.UTC)

# Per entry: on the manifest?, boarding, arrived?, check-in delay in hours (None: not yet).
entry = st.tuples(
    st.booleans(),
    st.sampled_from(["pending", "boarded", "no_show", "removed_at_gate"]),
    st.booleans(),
    st.one_of(st.none(), st.integers(min_value=0, max_value=72)),
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(entry, max_size=40),
    st.sampled_from(["proposed", "departed", "arrived"]),
    st.integers(min_value=0, max_value=96),
)
def test_counts_balance_or_an_incident_names_the_gap(raw, stage, hours_after) -> None:
    departed = stage in ("departed", "arrived")
    arrived_stage = stage == "arrived"
    facts = []
    for i, (on, boarding, arrived, delay) in enumerate(raw):
        # What the services allow: boarding only at departure, arrival only of the boarded
        # once the movement arrived, check-in only of the arrived.
        if not departed:
            boarding = "pending"
        elif boarding == "pending":
            boarding = "boarded"
        is_arrived = arrived_stage and arrived and boarding == "boarded"
        checked = T0 + dt.timedelta(hours=delay) if is_arrived and delay is not None else None
        facts.append(
            EntryFacts(
                key=i,
                on_manifest=on,
                boarding=boarding,
                arrived=is_arrived,
                checked_in_at=checked,
                arrived_at=T0 if is_arrived else None,
            )
        )
    now = T0 + dt.timedelta(hours=hours_after)
    rec = reconcile(facts, departed=departed, arrived=arrived_stage, now=now)
    assert rec.balanced
    assert rec.manifest == sum(1 for e in facts if e.on_manifest)
    keys = {k for k, _kind in rec.discrepancies}
    for e in facts:
        off_path = e.on_manifest and (
            (departed and e.boarding in ("no_show", "removed_at_gate"))
            or (arrived_stage and e.boarding == "boarded" and not e.arrived)
            or (
                e.arrived
                and (
                    (e.checked_in_at is None and now > T0 + dt.timedelta(hours=24))
                    or (
                        e.checked_in_at is not None
                        and e.checked_in_at > T0 + dt.timedelta(hours=24)
                    )
                )
            )
        )
        assert (e.key in keys) == off_path
    # Without a discrepancy, everyone who boarded is accounted for down the path.
    if not rec.discrepancies and arrived_stage:
        assert rec.boarded == rec.arrived == rec.checked_in + rec.awaiting_check_in
