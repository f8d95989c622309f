"""Every audit action the code records has a label; pages show it in the reader's language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from ikaze.accounts.access import Perm, Role
from ikaze.audit.labels import ACTIONS, PERMISSIONS, action_label
from ikaze.audit.services import audit_record, audit_security
from ikaze.people.models import MatchCandidate

SOURCE = Path(settings.BASE_DIR) / "ikaze"

LITERAL = re.compile(r"""\baction=["']([^"'{}]+)["']""")
REFUSAL = re.compile(r"""_refusal_recorded\(\s*["']([^"']+)["']""")
F_STRING = re.compile(r"""\baction=f["']([^"']+)["']""")
READ_TARGET = re.compile(
    r"""(?:audit_read\([^)]*?target_type=|_audited\(\s*\w+,\s*|_audit_reads\(\s*\w+,\s*)["']([^"']+)["']""",
    re.S,
)
# The f-string actions the code builds, and the parts each can take (extend when adding one).
F_STRINGS = {
    "referral.{action}",  # _transition/_set_status: the literal `action="submit"`... below
    "refused:{action}",  # _refusal_recorded("...")
    "denied:{perm}",  # any permission
    "{target_type}.read",  # audit_read's target types
    "match_candidate.{outcome}",  # the two outcomes
}
ARGPARSE = {"store_true", "store_false", "store_const", "append", "count"}


def _sources() -> list[tuple[Path, str]]:
    return [
        (p, p.read_text("utf-8"))
        for p in sorted(SOURCE.rglob("*.py"))
        if "tests" not in p.parts and "migrations" not in p.parts
    ]


def recorded_actions() -> set[str]:
    """The action codes the code can record, read from its source."""
    actions: set[str] = set()
    for _path, text in _sources():
        for code in LITERAL.findall(text):
            if code in ARGPARSE:
                continue
            # A bare word is a referral transition's step (`referral.{action}`).
            actions.add(code if "." in code or ":" in code else f"referral.{code}")
        actions |= {f"refused:{code}" for code in REFUSAL.findall(text)}
        actions |= {f"{target}.read" for target in READ_TARGET.findall(text)}
        unknown = set(F_STRING.findall(text)) - F_STRINGS
        assert not unknown, f"{_path}: label the actions of {unknown} and list the f-string here"
    actions |= {f"denied:{p}" for p in Perm} | {"denied"}
    actions |= {
        f"match_candidate.{s}" for s in (MatchCandidate.Status.SAME, MatchCandidate.Status.NOT_SAME)
    }
    return actions


def test_the_scan_finds_the_known_kinds_of_action() -> None:
    found = recorded_actions()
    for code in (
        "referral.accept",
        "referral.start_review",
        "decision.refuse",
        "refused:override.second",
        "person.sensitive.read",
        "legal_event.read",
        "denied:audit.view",
        "match_candidate.not_same",
        "intake_batch.import",
    ):
        assert code in found, code
    assert "referral.store_true" not in found


def test_every_recorded_action_has_a_label() -> None:
    for code in sorted(recorded_actions()):
        if code.startswith("denied:"):
            assert code.removeprefix("denied:") in PERMISSIONS, code
        else:
            assert code in ACTIONS, code


def test_labels_follow_the_language_and_unknown_codes_show_as_they_are() -> None:
    with translation.override("fr"):
        assert action_label("referral.accept") == "Orientation acceptée"
        assert action_label("denied:audit.view") == (
            "Autorisation refusée\u00a0: consulter le journal d'audit"
        )
        assert action_label("refused:something.new") == "Refusé\u00a0: something.new"
        assert action_label("something.new") == "something.new"
        assert action_label("denied:no.such.perm") == "Autorisation refusée\u00a0: no.such.perm"
    assert action_label("override.second") == "Override approved by a second officer"


@pytest.mark.django_db
def test_the_audit_log_shows_labels_first_and_keeps_the_code_in_french(client_for) -> None:
    from django.db import transaction

    with transaction.atomic():
        audit_record(actor=None, action="alert.raise", target_type="referral", target_id="r1")
        audit_record(actor=None, action="brand.new_action", target_type="thing", target_id="t1")
    audit_security(actor=None, action="refused:referral.accept", target_type="referral")
    c: Client = client_for(Role.AUDITOR)
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    page = c.get("/audit/").content.decode()
    assert "Alerte déclenchée <code>alert.raise</code>" in page
    assert (
        "Refusé\u00a0: acceptation de l&#x27;orientation <code>refused:referral.accept</code>"
        in page
    )
    # An action without a label shows its code once.
    assert page.count("brand.new_action") == 1


@pytest.mark.django_db
def test_a_referral_history_names_its_actions_in_french() -> None:
    from ikaze.vetting import services as svc
    from tests import factories as f

    officer = f.vetting_officer()
    r = f.vetting_referral(officer=officer)
    svc.referral_refuse(actor=officer, referral=r, reason_codes=["incomplete_referral"])
    c = Client()
    assert officer.user is not None
    c.force_login(officer.user)
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    page = c.get(f"/vetting/referrals/{r.pk}/").content.decode()
    for label in ("Orientation créée", "Orientation soumise", "Décision de refus enregistrée"):
        assert label in page, label
    assert '<span title="referral.refuse">Orientation refusée</span> → Refusée' in page
    assert "<code>referral." not in page and ">decision.refuse<" not in page
