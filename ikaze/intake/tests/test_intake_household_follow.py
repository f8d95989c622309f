"""A manifest that adds members to an existing household evaluates that household again
(SAFEGUARDS F4), as adding one member through the people registry does.

Manifest intake writes household memberships in bulk, without `household_add_member`; it
now calls the same observer (`people_changed_notify`), once per household that existed (or
that a registered person joined), after the newcomers' referrals exist, in the import's
transaction.
"""

from __future__ import annotations

import pytest

from ikaze.accounts.actor import Actor
from ikaze.agreements.models import Agreement
from ikaze.audit.models import AuditEvent
from ikaze.intake import services
from ikaze.intake.models import IntakeBatch
from ikaze.intake.tests.helpers import csv_bytes, row
from ikaze.people.models import HouseholdMember
from ikaze.people.services import household_add_member
from ikaze.vetting import services as vetting
from ikaze.vetting.models import Alert, MonitorNotice, Referral
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def liaison() -> Actor:
    return factories.liaison()


def _accepted_head(liaison: Actor, agreement: Agreement) -> Referral:
    """A head of household H-1, accepted under `agreement`, alone in the household."""
    officer = factories.vetting_officer()
    r = factories.referral(by=liaison, agreement=agreement)
    household_add_member(actor=liaison, reference="H-1", person=r.person, role="head")
    factories.clear_facts(by=officer, referral=r)
    vetting.referral_accept(actor=officer, referral=r, reason="Eligible.")
    assert not Alert.objects.exists()
    return Referral.objects.get(pk=r.pk)


def _upload(liaison: Actor, agreement: Agreement, rows, capture) -> IntakeBatch:
    with capture(execute=True):
        batch, _ = services.intake_batch_create(
            actor=liaison, agreement=agreement, file_name="m.csv", content=csv_bytes(rows)
        )
    batch.refresh_from_db()
    assert batch.status == IntakeBatch.Status.DONE, batch.failure
    return batch


def _reevaluations() -> list[dict[str, object]]:
    """The households evaluated again by an import (not by the registry's own services)."""
    return [
        e.after
        for e in AuditEvent.objects.filter(action="household.reevaluate").order_by("seq")
        if "batch" in e.after
    ]


def test_a_manifest_adding_a_member_under_another_agreement_raises_the_alert(
    liaison: Actor, django_capture_on_commit_callbacks
) -> None:
    first, second = factories.agreement_in_force(), factories.agreement_in_force()
    head = _accepted_head(liaison, first)

    # The spouse comes in a manifest under another agreement: the household no longer moves
    # together under the first one (A7), and the accepted head is told of it at once.
    batch = _upload(
        liaison,
        second,
        [row(1, household_reference="H-1", household_role="spouse", sex="F")],
        django_capture_on_commit_callbacks,
    )

    assert batch.imported == 1
    spouse = HouseholdMember.objects.get(household__reference="H-1", role="spouse").person_id
    alert = Alert.objects.get(referral=head, resolved_at__isnull=True)
    assert alert.rule_ids == ["A7"]
    assert (
        MonitorNotice.objects.filter(alert=alert, kind=MonitorNotice.Kind.ALERT_RAISED).count() == 1
    )
    (change,) = _reevaluations()
    assert change["cause"] == "household"
    assert change["members_added"] == str(spouse)
    assert change["batch"] == str(batch.pk)
    assert (change["accepted_evaluated"], change["alerts_raised"]) == (1, 1)
    assert Referral.objects.get(pk=head.pk).status == "accepted"


def test_a_manifest_adding_a_member_under_the_same_agreement_raises_none(
    liaison: Actor, django_capture_on_commit_callbacks
) -> None:
    agreement = factories.agreement_in_force()
    head = _accepted_head(liaison, agreement)

    # Referred under the same agreement in the same import: the household still moves
    # together, and the head is evaluated again seeing the newcomer's referral.
    _upload(
        liaison,
        agreement,
        [row(1, household_reference="H-1", household_role="spouse", sex="F")],
        django_capture_on_commit_callbacks,
    )

    assert not Alert.objects.filter(referral=head).exists()
    (change,) = _reevaluations()
    assert (change["open_evaluated"], change["accepted_evaluated"]) == (1, 1)
    assert change["alerts_raised"] == 0


def test_households_new_in_the_manifest_are_not_evaluated_again(
    liaison: Actor, django_capture_on_commit_callbacks
) -> None:
    # Nothing outside the import depends on them: no extra work per household.
    agreement = factories.agreement_in_force()
    _upload(
        liaison,
        agreement,
        [
            row(1, household_reference="N-1", household_role="head"),
            row(2, household_reference="N-1", household_role="spouse", sex="F"),
            row(3, household_reference="N-2", household_role="head"),
        ],
        django_capture_on_commit_callbacks,
    )
    assert HouseholdMember.objects.count() == 3
    assert _reevaluations() == []
    assert not Alert.objects.exists()
