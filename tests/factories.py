"""Factories for tests and benchmarks. They build objects through services where a service
exists, so test data obeys the same rules (and audit) as real data."""

from __future__ import annotations

import itertools

from django_otp.plugins.otp_totp.models import TOTPDevice

from ikaze.accounts import services as accounts
from ikaze.accounts.access import ROLE_ORG_KINDS, OrgKind, Role
from ikaze.accounts.actor import Actor, actor_for_user, command_line_actor
from ikaze.accounts.models import Organisation, User

PASSWORD = "correct-horse-battery-staple"
_seq = itertools.count(1)

_ORG_DEFAULTS: dict[OrgKind, tuple[str, str]] = {
    OrgKind.RECEIVING_STATE: ("Receiving State Agency", "RW"),
    OrgKind.SENDING_STATE: ("Sending State Department", "US"),
    OrgKind.PARTNER: ("Partner NGO", "RW"),
    OrgKind.MONITORING_BODY: ("Monitoring Body", "RW"),
}


# Accounts are bootstrapped as `ikaze invite` does: by an operator's command holding the
# administrator's role (the services take no `actor=None`).
OPERATOR = command_line_actor(roles=frozenset({Role.ADMIN}), label="test fixture")


def organisation(
    kind: OrgKind = OrgKind.RECEIVING_STATE, *, country: str | None = None, name: str | None = None
) -> Organisation:
    base, default_country = _ORG_DEFAULTS[kind]
    return accounts.organisation_create(
        actor=OPERATOR,
        name=name or f"{base} {next(_seq)}",
        kind=kind,
        country=country or default_country,
    )


def default_org_kind(role: Role) -> OrgKind:
    kinds = ROLE_ORG_KINDS[role]
    for k in (
        OrgKind.RECEIVING_STATE,
        OrgKind.SENDING_STATE,
        OrgKind.MONITORING_BODY,
        OrgKind.PARTNER,
    ):
        if k in kinds:
            return k
    raise AssertionError(role)


def user(
    role: Role | None = None,
    *,
    organisation_: Organisation | None = None,
    username: str | None = None,
) -> User:
    u = accounts.user_create(
        actor=OPERATOR, username=username or f"user{next(_seq)}", password=PASSWORD
    )
    if role is not None:
        org = organisation_ or organisation(default_org_kind(role))
        accounts.membership_grant(actor=OPERATOR, user=u, organisation=org, role=role)
    return u


def actor(role: Role, *, organisation_: Organisation | None = None) -> Actor:
    # A test stands for a session whose second factor is done (tests.test_access_matrix and
    # ikaze/accounts/tests/test_second_factor.py prove what happens without it).
    return actor_for_user(user(role, organisation_=organisation_), second_factor=True)


def org_admin(org: Organisation) -> Actor:
    """An administrator of `org` itself (ADMIN in a receiving state, ORG_ADMIN elsewhere):
    the only one who may make its credentials (SAFEGUARDS F6)."""
    role = Role.ADMIN if org.kind == OrgKind.RECEIVING_STATE else Role.ORG_ADMIN
    return actor(role, organisation_=org)


def totp_device(u: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=u, name="test", confirmed=True)


# --- referrals, people and intake (issue 3) -------------------------------------------------


def agreement_in_force(*, code: str | None = None, sending_state: str = "US"):
    """An agreement in force between `sending_state` and Rwanda, built through its services."""
    from ikaze.agreements import services as agreements
    from ikaze.agreements.demo import rwanda_notice_settings

    admin = actor(Role.ADMIN)
    a = agreements.agreement_create(
        actor=admin,
        code=code or f"T-{sending_state}-RW-{next(_seq)}",
        fields={"title": "Test agreement", "sending_state": sending_state, "receiving_state": "RW"},
    )
    a = agreements.agreement_notice_settings_set(
        actor=admin, agreement=a, settings=rwanda_notice_settings(sending_state)
    )
    for to in ("signed", "in_force"):
        a = agreements.agreement_transition(actor=admin, agreement=a, to=to, reason="test")
    return a


def liaison(*, organisation_: Organisation | None = None, country: str = "US") -> Actor:
    """A sending-state liaison (of `organisation_`, or of a new sending organisation)."""
    org = organisation_ or organisation(OrgKind.SENDING_STATE, country=country)
    return actor(Role.SENDING_LIAISON, organisation_=org)


def person_in(**overrides):
    """A complete person's data (passes SAFEGUARDS A4) with overrides."""
    import datetime as dt

    from ikaze.people.services import DocumentIn, PersonIn

    n = next(_seq)
    data = {
        "given_names": "María José",
        "first_surname": "García",
        "second_surname": "López",
        "sex": "F",
        "date_of_birth": dt.date(1990, 4, 3),
        "nationalities": ["HN"],
        "languages": ["es"],
        "external_reference": f"EXT-{n}",
        "documents": [DocumentIn("passport", f"P{n:07d}", "HN", dt.date(2031, 1, 1))],
    }
    data.update(overrides)
    return PersonIn(**data)


def person(*, by: Actor, rescore: bool = False, **overrides):
    from ikaze.people.services import person_create

    return person_create(actor=by, data=person_in(**overrides), rescore=rescore)


def referral(*, by: Actor, agreement, submit: bool = True, **overrides):
    from ikaze.vetting.services import referral_create, referral_submit

    p = person(by=by, **overrides)
    r = referral_create(
        actor=by, agreement=agreement, person=p, external_reference=f"CASE-{p.external_reference}"
    )
    return referral_submit(actor=by, referral=r) if submit else r


# --- agreements (issue 2) ------------------------------------------------------------------


def agreement(
    *,
    by: Actor | None = None,
    code: str | None = None,
    status: str = "draft",
    sending_state: str = "US",
    receiving_state: str = "RW",
    tranche_cap: int | None = None,
    **fields,
):
    """An agreement in `status` (reached through the transition table), built by its services.

    `tranche_cap` adds one cap period covering 2020–2035; `fields` go to agreement_create.
    """
    import datetime as dt

    from ikaze.agreements import services as agreements
    from ikaze.agreements.demo import rwanda_notice_settings

    admin = by or actor(Role.ADMIN)
    a = agreements.agreement_create(
        actor=admin,
        code=code or f"T-{sending_state}-{receiving_state}-{next(_seq)}",
        fields={
            "title": "Test agreement",
            "sending_state": sending_state,
            "receiving_state": receiving_state,
            **fields,
        },
    )
    # What the agreement's notices name (issue 11 item 14): Rwanda's demo texts, another
    # receiving state named as "the receiving state".
    notice_settings = rwanda_notice_settings(sending_state)
    if receiving_state != "RW":
        notice_settings["receiving_authority"] = {
            "en": "the Government of the receiving state",
            "es": "el Gobierno del Estado de acogida",
            "fr": "le Gouvernement de l’État d’accueil",
            "rw": "Guverinoma y’igihugu cyakira",
        }
    a = agreements.agreement_notice_settings_set(actor=admin, agreement=a, settings=notice_settings)
    if tranche_cap is not None:
        agreements.tranche_add(
            actor=admin,
            agreement=a,
            label="all",
            starts_on=dt.date(2020, 1, 1),
            ends_on=dt.date(2035, 12, 31),
            cap=tranche_cap,
        )
    path = {
        "draft": [],
        "negotiating": ["negotiating"],
        "signed": ["signed"],
        "in_force": ["signed", "in_force"],
        "suspended": ["signed", "in_force", "suspended"],
        "terminated": ["signed", "terminated"],
        "declined": ["declined"],
    }[status]
    senior = actor(Role.SENIOR_OFFICER) if "suspended" in path else None
    for to in path:
        who = senior if to == "suspended" and senior is not None else admin
        a = agreements.agreement_transition(actor=who, agreement=a, to=to, reason="test")
    return a


# --- vetting (issue 4) ---------------------------------------------------------------------

_ALL_TOPICS = [
    "vulnerabilities",
    "health",
    "family_links",
    "trafficking_indicators",
    "links_to_receiving_state",
]


def vetting_officer(
    role: Role = Role.VETTING_OFFICER, *, organisation_: Organisation | None = None
) -> Actor:
    """A receiving-state officer (vetting or senior) of `organisation_` or a new agency."""
    return actor(role, organisation_=organisation_)


def fact(
    *, by: Actor, referral, kind: str, payload: dict, days_ago: int = 0, source: str = "DOC-1"
):
    """Record a legal fact through the service (effective `days_ago` days before today)."""
    import datetime as dt

    from ikaze.core import clock
    from ikaze.vetting.services import legal_fact_record

    return legal_fact_record(
        actor=by,
        referral=referral,
        kind=kind,
        payload=payload,
        effective_at=clock.today_local() - dt.timedelta(days=days_ago),
        source_document=source,
    )


def court_stay(*, by: Actor, referral, court: str = "C", measure: str = "stay"):
    """A court stay granted today: SAFEGUARDS A8 blocks the person while it stands."""
    return fact(
        by=by,
        referral=referral,
        kind="court_stay_granted",
        payload={"stay_ref": "S-1", "court": court, "measure": measure},
    )


def clear_facts(*, by: Actor, referral) -> None:
    """The facts a person needs before acceptance: an individual assessment and legal advice."""
    import hashlib

    fact(
        by=by,
        referral=referral,
        kind="assessment_signed",
        payload={
            "assessor": "Assessor A",
            "individual": True,
            "topics": _ALL_TOPICS,
            "text_sha256": hashlib.sha256(str(referral.pk).encode()).hexdigest(),
        },
        days_ago=2,
    )
    fact(
        by=by,
        referral=referral,
        kind="legal_advice_given",
        payload={"provider": "Legal Aid Rwanda", "language": "es"},
        days_ago=1,
    )


def vetting_referral(*, agreement=None, officer: Actor | None = None, clear: bool = True, **person):
    """A submitted referral (and, with `clear`, the facts that let it be accepted)."""
    agreement = agreement or agreement_in_force()
    r = referral(by=liaison(country=agreement.sending_state), agreement=agreement, **person)
    if clear:
        clear_facts(by=officer or vetting_officer(), referral=r)
    return r
