"""A person's legal situation as an append-only timeline of typed events.

DESIGN.md, "Key modelling decisions": each fact (a claim filed, a stay granted, a fear expressed,
a notice served, ...) is a `LegalEvent` whose payload is validated by a schema per kind. Nothing
is edited: a correction is a new event that `supersedes` the old one (a `retraction` supersedes
without replacing). `timeline_as_of(events, at)` derives the `LegalState` the safeguard rules
read, using only what had been *recorded* by `at`, so "what did we know when we decided" always
has an answer.

This module is pure (no database): the models of phase 2 store events as rows and rebuild
`LegalEvent`s with `legal_event(...)` (validating) or `LegalEvent(...)` (trusted rows).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from operator import itemgetter
from typing import Annotated, Any, Generic, Literal, NamedTuple, TypeVar
from zoneinfo import ZoneInfo

import pycountry
from django.utils.translation import gettext
from django.utils.translation import gettext_noop as N_
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_serializer, model_validator
from pydantic import ValidationError as PydanticValidationError

from ikaze.core import clock
from ikaze.core.errors import ValidationError
from ikaze.core.text import Text as TextRule


class EventKind(StrEnum):
    ASYLUM_CLAIM_FILED = "asylum_claim_filed"
    ASYLUM_CLAIM_DECIDED = "asylum_claim_decided"
    APPEAL_FILED = "appeal_filed"
    APPEAL_DECIDED = "appeal_decided"
    COURT_STAY_GRANTED = "court_stay_granted"
    COURT_STAY_LIFTED = "court_stay_lifted"
    FEAR_EXPRESSED = "fear_expressed"
    FEAR_SCREENING_DONE = "fear_screening_done"
    NOTICE_SERVED = "notice_served"
    LEGAL_ADVICE_GIVEN = "legal_advice_given"
    CONSENT_GIVEN = "consent_given"
    CONSENT_WITHDRAWN = "consent_withdrawn"
    AGE_DISPUTE_OPENED = "age_dispute_opened"
    AGE_DISPUTE_RESOLVED = "age_dispute_resolved"
    ASSESSMENT_SIGNED = "assessment_signed"
    BEST_INTERESTS_DETERMINATION = "best_interests_determination"
    HOUSEHOLD_MEMBERSHIP = "household_membership"
    DIPLOMATIC_ASSURANCE_RECEIVED = "diplomatic_assurance_received"
    NATIONALITY_RECORDED = "nationality_recorded"
    RETRACTION = "retraction"


class Relationship(StrEnum):
    """What a household member is *to the person* ("my parent")."""

    PARENT = "parent"
    LEGAL_GUARDIAN = "legal_guardian"
    # CRC / UNHCR: an adult responsible "by law or custom" also accompanies a child.
    CUSTOMARY_CAREGIVER = "customary_caregiver"
    CHILD = "child"
    SPOUSE = "spouse"
    SIBLING = "sibling"
    GRANDPARENT = "grandparent"
    OTHER_RELATIVE = "other_relative"


# Who accompanies a child in the sense of SAFEGUARDS A1 (an adult responsible for them).
CAREGIVERS = frozenset(
    {Relationship.PARENT, Relationship.LEGAL_GUARDIAN, Relationship.CUSTOMARY_CAREGIVER}
)


class AssessmentTopic(StrEnum):
    """What an individual pre-transfer assessment must cover (SAFEGUARDS A3)."""

    VULNERABILITIES = "vulnerabilities"
    HEALTH = "health"
    FAMILY_LINKS = "family_links"
    TRAFFICKING_INDICATORS = "trafficking_indicators"
    LINKS_TO_RECEIVING_STATE = "links_to_receiving_state"


ALL_ASSESSMENT_TOPICS = frozenset(AssessmentTopic)


# --- field types ---------------------------------------------------------------------------


# Both checks run for every payload read back (a screening reads 100,000): remembered per
# value (an invalid one raises, and is not remembered).
@functools.lru_cache(maxsize=1024)
def _country(value: str) -> str:
    code = value.strip().upper()
    if pycountry.countries.get(alpha_2=code) is None:
        raise ValueError(N_("not an ISO 3166-1 alpha-2 country code"))
    return code


_LANGUAGE = re.compile(r"^[a-z]{2,3}$")


@functools.lru_cache(maxsize=1024)
def _language(value: str) -> str:
    code = value.strip().lower()
    if not _LANGUAGE.match(code):
        raise ValueError(N_("not an ISO 639 language code (2 or 3 letters)"))
    return code


# Codes declare their form too (the check itself is the validator's, after case folding).
CountryCode = Annotated[
    str,
    Field(max_length=2, json_schema_extra={"pattern": "^[A-Za-z]{2}$"}),
    AfterValidator(_country),
]
LanguageCode = Annotated[
    str,
    Field(max_length=3, json_schema_extra={"pattern": "^[A-Za-z]{2,3}$"}),
    AfterValidator(_language),
]
# Every payload string is held to the core text rule (ikaze.core.text, issue 9 item 15): a
# declared length, no control characters, and one line unless it is free text. The JSON schema
# (the API document) declares the same maxLength and pattern.
Ref = Annotated[str, Field(min_length=1), TextRule(max_length=100)]  # a reference or an id
Name = Annotated[str, Field(min_length=1), TextRule(max_length=200)]  # who or where, one line
Text = Annotated[str, Field(min_length=1), TextRule(max_length=2000, multiline=True)]
OptionalName = Annotated[str, TextRule(max_length=200)]
OptionalText = Annotated[str, TextRule(max_length=2000, multiline=True)]
Sha256 = Annotated[str, Field(max_length=64, pattern=r"^[0-9a-f]{64}$")]


class Payload(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


# --- payload schemas, one per kind ---------------------------------------------------------


class AsylumClaimFiled(Payload):
    claim_ref: Ref
    authority: Name  # who decides it in the sending state


class AsylumClaimDecided(Payload):
    claim_ref: Ref
    outcome: Literal["granted", "refused", "inadmissible", "withdrawn"]
    appealable: bool = True
    # Last day on which an appeal may be lodged. When not recorded, the agreement's
    # `appeal_window_days` after the decision applies (the protective default, SAFEGUARDS A8).
    appeal_window_ends: dt.date | None = None


class AppealFiled(Payload):
    claim_ref: Ref
    appeal_ref: Ref
    forum: Name


class AppealDecided(Payload):
    appeal_ref: Ref
    outcome: Literal["allowed", "dismissed", "withdrawn"]
    # Final = no onward appeal or reopening remains. A non-final decision without a recorded
    # window end stays open (SAFEGUARDS A8: "an unexpired appeal or reopening window").
    final: bool
    further_window_ends: dt.date | None = None


class CourtStayGranted(Payload):
    stay_ref: Ref
    court: Name
    measure: Literal["stay", "ecthr_rule_39", "interim_measure"]
    until: dt.date | None = None  # last day of a stay granted for a fixed period


class CourtStayLifted(Payload):
    stay_ref: Ref
    court: Name


class FearExpressed(Payload):
    fear_ref: Ref
    feared_country: CountryCode
    summary: Text
    expressed_to: Name
    screening_deadline: dt.date


class FearScreeningDone(Payload):
    fear_ref: Ref
    outcome: Literal["positive", "negative"]
    screener: Name


class NoticeServed(Payload):
    notice_ref: Ref
    notice_kind: Literal["transfer", "decision"]
    destination_country: CountryCode
    language: LanguageCode  # the language the person was served in (one they understand)
    template_language: LanguageCode  # the language of the printed text
    translation_recorded: bool = False
    interpreter_language: LanguageCode | None = None
    served_on_person: bool
    served_on_counsel: bool
    counsel_name: OptionalName | None = None
    proof_reference: Name

    @model_validator(mode="after")
    def _counsel_named(self) -> NoticeServed:
        if self.served_on_counsel and not (self.counsel_name or "").strip():
            raise ValueError(N_("name the counsel served"))
        return self


class LegalAdviceGiven(Payload):
    provider: Name
    language: LanguageCode
    interpreter_language: LanguageCode | None = None


class ConsentGiven(Payload):
    scheme: Name
    language: LanguageCode
    informed: bool  # destination, rights and the right to withdraw were explained
    payment_offered_minor: int | None = Field(default=None, ge=0)
    payment_currency: str | None = Field(default=None, max_length=3, pattern=r"^[A-Z]{3}$")
    payment_conditional_on_claim_withdrawal: bool = False

    @model_validator(mode="after")
    def _currency_with_amount(self) -> ConsentGiven:
        if (self.payment_offered_minor is None) != (self.payment_currency is None):
            raise ValueError(N_("give the payment offered and its currency together"))
        return self


class ConsentWithdrawn(Payload):
    # Withdrawal needs no reason (SAFEGUARDS A13: "withdrawable at any step").
    reason: OptionalText = ""


class AgeDisputeOpened(Payload):
    reason: Text
    claimed_date_of_birth: dt.date | None = None


class AgeDisputeResolved(Payload):
    outcome: Literal["adult", "child"]
    final: bool
    method: Text
    assessed_date_of_birth: dt.date | None = None


class AssessmentSigned(Payload):
    assessor: Name
    individual: bool
    topics: frozenset[AssessmentTopic]
    text_sha256: Sha256
    copied_from: Ref | None = None  # the assessment this text was copied from, if known

    @field_serializer("topics")
    def _sorted_topics(self, topics: frozenset[AssessmentTopic]) -> list[str]:
        # Sets serialise sorted, so the inputs hash does not depend on hash randomisation.
        return sorted(t.value for t in topics)


class BestInterestsDetermination(Payload):
    determined_by: Name
    outcome: Literal["keep_together", "split_in_best_interests"]
    separated_members: frozenset[Ref] = frozenset()  # person ids who do not move
    consent_recorded: bool
    consent_by: OptionalName | None = None

    @field_serializer("separated_members")
    def _sorted_members(self, members: frozenset[str]) -> list[str]:
        return sorted(members)

    @model_validator(mode="after")
    def _split_names_members(self) -> BestInterestsDetermination:
        if self.outcome == "split_in_best_interests" and not self.separated_members:
            raise ValueError(N_("a split names the members who do not move"))
        return self


class HouseholdMembership(Payload):
    household_ref: Ref
    member_ref: Ref  # the member's person id
    relationship: Relationship
    member_is_child: bool


class DiplomaticAssuranceReceived(Payload):
    # SAFEGUARDS A11: recorded for the file; never satisfies A8–A10.
    from_state: CountryCode
    reference: Name
    covers: Text


class NationalityRecorded(Payload):
    country: CountryCode
    basis: Text


class Retraction(Payload):
    reason: Text


PAYLOAD_SCHEMAS: dict[EventKind, type[Payload]] = {
    EventKind.ASYLUM_CLAIM_FILED: AsylumClaimFiled,
    EventKind.ASYLUM_CLAIM_DECIDED: AsylumClaimDecided,
    EventKind.APPEAL_FILED: AppealFiled,
    EventKind.APPEAL_DECIDED: AppealDecided,
    EventKind.COURT_STAY_GRANTED: CourtStayGranted,
    EventKind.COURT_STAY_LIFTED: CourtStayLifted,
    EventKind.FEAR_EXPRESSED: FearExpressed,
    EventKind.FEAR_SCREENING_DONE: FearScreeningDone,
    EventKind.NOTICE_SERVED: NoticeServed,
    EventKind.LEGAL_ADVICE_GIVEN: LegalAdviceGiven,
    EventKind.CONSENT_GIVEN: ConsentGiven,
    EventKind.CONSENT_WITHDRAWN: ConsentWithdrawn,
    EventKind.AGE_DISPUTE_OPENED: AgeDisputeOpened,
    EventKind.AGE_DISPUTE_RESOLVED: AgeDisputeResolved,
    EventKind.ASSESSMENT_SIGNED: AssessmentSigned,
    EventKind.BEST_INTERESTS_DETERMINATION: BestInterestsDetermination,
    EventKind.HOUSEHOLD_MEMBERSHIP: HouseholdMembership,
    EventKind.DIPLOMATIC_ASSURANCE_RECEIVED: DiplomaticAssuranceReceived,
    EventKind.NATIONALITY_RECORDED: NationalityRecorded,
    EventKind.RETRACTION: Retraction,
}


def payload_json_schema() -> dict[str, Any]:
    """The payload schemas of every kind, self-contained (no `$ref`), for the API document:
    any of them (the kind says which), with each string's maxLength and pattern."""

    def inline(node: Any, defs: dict[str, Any]) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return inline(defs[ref.removeprefix("#/$defs/")], defs)
            return {k: inline(v, defs) for k, v in node.items() if k != "$defs"}
        if isinstance(node, list):
            return [inline(v, defs) for v in node]
        return node

    options = []
    for kind, schema in PAYLOAD_SCHEMAS.items():
        raw = schema.model_json_schema()
        body = inline(raw, raw.get("$defs", {}))
        body["title"] = kind.value
        options.append(body)
    return {"anyOf": options, "description": "The payload of the fact's kind (its schema by kind)."}


# What a person reads for each kind of schema error (pydantic's own texts are English only).
_SCHEMA_MESSAGES: dict[str, str] = {
    "missing": N_("this field is required"),
    "string_too_short": N_("this field is required"),
    "string_too_long": N_("this text is too long"),
    "string_type": N_("enter a text"),
    "string_pattern_mismatch": N_("this value does not have the expected form"),
    "date_parsing": N_("enter a valid date (YYYY-MM-DD)"),
    "date_type": N_("enter a valid date (YYYY-MM-DD)"),
    "date_from_datetime_parsing": N_("enter a valid date (YYYY-MM-DD)"),
    "date_from_datetime_inexact": N_("enter a valid date (YYYY-MM-DD)"),
    "datetime_parsing": N_("enter a valid date and time"),
    "datetime_type": N_("enter a valid date and time"),
    "datetime_from_date_parsing": N_("enter a valid date and time"),
    "bool_parsing": N_("answer yes or no"),
    "bool_type": N_("answer yes or no"),
    "int_parsing": N_("enter a whole number"),
    "int_type": N_("enter a whole number"),
    "int_from_float": N_("enter a whole number"),
    "greater_than_equal": N_("this number is too small"),
    "enum": N_("choose one of the listed values"),
    "literal_error": N_("choose one of the listed values"),
    "extra_forbidden": N_("this field does not belong to this kind of fact"),
    "list_type": N_("give a list of values"),
    "set_type": N_("give a list of values"),
    "frozen_set_type": N_("give a list of values"),
}


def _schema_message(err: Any) -> str:
    """A schema error's reason in the active language (pydantic's text if it has none)."""
    if err["type"] == "value_error":  # ours: the validators above raise marked texts
        return gettext(str(err.get("ctx", {}).get("error", ""))) or str(err["msg"])
    text = _SCHEMA_MESSAGES.get(err["type"])
    return gettext(text) if text else str(err["msg"])


def _validation_error(exc: PydanticValidationError, *, prefix: str) -> ValidationError:
    details: dict[str, list[str]] = {}
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "__all__"
        details.setdefault(f"{prefix}.{loc}" if prefix else loc, []).append(_schema_message(err))
    return ValidationError(gettext("The legal event is not valid."), details=details)


def parse_payload(kind: EventKind | str, data: Mapping[str, Any] | Payload) -> Payload:
    """Validate `data` against the schema of `kind`; raise ValidationError with details."""
    try:
        kind = EventKind(kind)
    except ValueError:
        raise ValidationError.for_field("kind", gettext("unknown legal event kind")) from None
    schema = PAYLOAD_SCHEMAS[kind]
    if isinstance(data, schema):
        return data
    if isinstance(data, Payload):
        raise ValidationError.for_field("payload", f"expected a {schema.__name__} payload")
    try:
        return schema.model_validate(dict(data))
    except PydanticValidationError as exc:
        raise _validation_error(exc, prefix="payload") from None


# --- the event ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LegalEvent:
    id: str
    kind: EventKind
    payload: Payload
    effective_at: dt.date  # the day it took effect (in the receiving state's calendar)
    recorded_at: dt.datetime  # aware; when it became known to the system
    source_document: str  # reference of the document it comes from
    recorded_by: str  # user id (or name) of who recorded it
    supersedes: str | None = None  # id of the event this one corrects


def legal_event(
    *,
    id: str,
    kind: EventKind | str,
    payload: Mapping[str, Any] | Payload,
    effective_at: dt.date,
    recorded_at: dt.datetime,
    source_document: str,
    recorded_by: str,
    supersedes: str | None = None,
) -> LegalEvent:
    """Build a validated LegalEvent; raise ValidationError (with details) when it is not."""
    body = parse_payload(kind, payload)
    kind = EventKind(kind)
    errors: dict[str, list[str]] = {}
    if recorded_at.tzinfo is None or recorded_at.utcoffset() is None:
        errors["recorded_at"] = [gettext("must be an aware datetime")]
    if isinstance(effective_at, dt.datetime) or not isinstance(effective_at, dt.date):
        errors["effective_at"] = [gettext("must be a date")]
    if not source_document.strip():
        errors["source_document"] = [gettext("a source document is required")]
    if not recorded_by.strip():
        errors["recorded_by"] = [gettext("who recorded it is required")]
    if supersedes is not None and supersedes == id:
        errors["supersedes"] = [gettext("an event cannot supersede itself")]
    if kind is EventKind.RETRACTION and not supersedes:
        errors["supersedes"] = [gettext("a retraction names the event it retracts")]
    if not errors:
        if recorded_at.astimezone(clock.local_zone()).date() < effective_at and kind in _PAST_ONLY:
            errors["effective_at"] = [gettext("this fact cannot take effect after it was recorded")]
        if isinstance(body, FearExpressed) and body.screening_deadline < effective_at:
            errors["payload.screening_deadline"] = [
                gettext("the deadline is before the fear was expressed")
            ]
        if (
            isinstance(body, AsylumClaimDecided)
            and body.appeal_window_ends is not None
            and body.appeal_window_ends < effective_at
        ):
            errors["payload.appeal_window_ends"] = [gettext("the window ends before the decision")]
    if errors:
        raise ValidationError(gettext("The legal event is not valid."), details=errors)
    return LegalEvent(
        id=id,
        kind=kind,
        payload=body,
        effective_at=effective_at,
        recorded_at=recorded_at,
        source_document=source_document.strip(),
        recorded_by=recorded_by.strip(),
        supersedes=supersedes,
    )


# Facts that describe something that happened: they cannot be dated in the future. (A stay
# may be granted from a later date; a lifting may be scheduled; those are allowed.)
_PAST_ONLY = frozenset(
    {
        EventKind.FEAR_EXPRESSED,
        EventKind.FEAR_SCREENING_DONE,
        EventKind.NOTICE_SERVED,
        EventKind.LEGAL_ADVICE_GIVEN,
        EventKind.CONSENT_GIVEN,
        EventKind.ASSESSMENT_SIGNED,
        EventKind.ASYLUM_CLAIM_FILED,
        EventKind.APPEAL_FILED,
    }
)


# --- which facts protect a person, which only a service produces (SAFEGUARDS F1, F3) -------


def _always(_payload: Any) -> bool:
    return True


# SAFEGUARDS F1: the facts an absolute or blocking rule reads to protect the person, each with
# the test its payload must meet to protect (the one list; tests run over every entry). Taking
# one of these away (a retraction, a correction that supersedes it, a restatement that replaces
# it in the timeline) is a four-eyes act: services/fact_removals.py.
PROTECTIVE: Mapping[EventKind, Callable[[Any], bool]] = {
    # A8: an open asylum claim blocks.
    EventKind.ASYLUM_CLAIM_FILED: _always,
    # A8: a refusal that can be appealed opens the appeal window.
    EventKind.ASYLUM_CLAIM_DECIDED: lambda p: (
        p.outcome in ("refused", "inadmissible") and p.appealable
    ),
    # A8: an open appeal blocks.
    EventKind.APPEAL_FILED: _always,
    # A8: a non-final appeal decision, or an onward window, blocks.
    EventKind.APPEAL_DECIDED: lambda p: not p.final or p.further_window_ends is not None,
    # A8: a court stay or interim measure blocks (its `until` is a protective date).
    EventKind.COURT_STAY_GRANTED: _always,
    # A8, A10 (and A2 once screened positive): a fear of the destination blocks.
    EventKind.FEAR_EXPRESSED: _always,
    # A2/A10: a positive screening blocks; a negative one opens the review window (A10).
    EventKind.FEAR_SCREENING_DONE: _always,
    # A13: consent not informed, or a payment conditional on withdrawing a claim, blocks.
    EventKind.CONSENT_GIVEN: lambda p: p.payment_conditional_on_claim_withdrawal or not p.informed,
    # A13: withdrawn consent blocks (in a voluntary scheme).
    EventKind.CONSENT_WITHDRAWN: _always,
    # A1: a disputed age counts as a child.
    EventKind.AGE_DISPUTE_OPENED: _always,
    # A1/A7: a resolution "child", or one not final, keeps the person a child.
    EventKind.AGE_DISPUTE_RESOLVED: lambda p: p.outcome == "child" or not p.final,
    # A7: a declared household member who does not travel blocks.
    EventKind.HOUSEHOLD_MEMBERSHIP: _always,
    # A2: a nationality (of the receiving state) blocks.
    EventKind.NATIONALITY_RECORDED: _always,
}


def is_protective(kind: EventKind | str, payload: Payload) -> bool:
    """Whether a fact of `kind` with `payload` protects the person (SAFEGUARDS F1)."""
    test = PROTECTIVE.get(EventKind(kind))
    return test is not None and test(payload)


# SAFEGUARDS F3: facts that only a service may produce (a notice served only through
# services/notices.py, for an issued notice): never recorded through the generic facts path.
SERVICE_ONLY_KINDS = frozenset({EventKind.NOTICE_SERVED})

# The kinds of which a later fact with the same key *replaces* the earlier one in
# `timeline_of_rows` (a second stay with the same reference and an earlier `until`, a second
# screening of the same fear): recording one over a protective fact is a correction of it,
# and goes the four-eyes way (SAFEGUARDS F1).
RESTATEMENT_KEY: Mapping[EventKind, Callable[[Any], str]] = {
    EventKind.ASYLUM_CLAIM_DECIDED: lambda p: p.claim_ref,
    EventKind.APPEAL_FILED: lambda p: p.appeal_ref,
    EventKind.APPEAL_DECIDED: lambda p: p.appeal_ref,
    EventKind.COURT_STAY_GRANTED: lambda p: p.stay_ref,
    EventKind.FEAR_EXPRESSED: lambda p: p.fear_ref,
    EventKind.FEAR_SCREENING_DONE: lambda p: p.fear_ref,
    EventKind.CONSENT_GIVEN: lambda p: "",
    EventKind.AGE_DISPUTE_RESOLVED: lambda p: "",
    EventKind.HOUSEHOLD_MEMBERSHIP: lambda p: p.member_ref,
}


def restatement_key(kind: EventKind | str, payload: Payload) -> str | None:
    """The key under which a fact replaces an earlier one of its kind; None if it never does."""
    key = RESTATEMENT_KEY.get(EventKind(kind))
    return None if key is None else key(payload)


# --- the derived state ---------------------------------------------------------------------

P = TypeVar("P", bound=Payload)


class Dated(NamedTuple, Generic[P]):
    """A payload with the day it took effect and the event it came from."""

    event_id: str
    on: dt.date
    payload: P
    # The day it became known to Ikaze (recorded); None when not tracked for the kind.
    known_on: dt.date | None = None

    @property
    def clock_from(self) -> dt.date:
        """SAFEGUARDS F2: a protective clock runs from the later of the day it took effect
        and the day it was recorded."""
        return self.on if self.known_on is None else max(self.on, self.known_on)


@dataclass(frozen=True, slots=True)
class ClaimState:
    ref: str
    filed_on: dt.date | None
    decided_on: dt.date | None = None
    outcome: str | None = None
    appealable: bool = True
    appeal_window_ends: dt.date | None = None
    decision_known_on: dt.date | None = None  # the day the decision was recorded (F2)


@dataclass(frozen=True, slots=True)
class AppealState:
    ref: str
    claim_ref: str | None
    filed_on: dt.date | None
    decided_on: dt.date | None = None
    outcome: str | None = None
    final: bool = False
    further_window_ends: dt.date | None = None
    decision_known_on: dt.date | None = None  # the day the decision was recorded (F2)


@dataclass(frozen=True, slots=True)
class StayState:
    ref: str
    measure: str
    court: str
    granted_on: dt.date | None
    until: dt.date | None = None
    lifted_on: dt.date | None = None


@dataclass(frozen=True, slots=True)
class FearClaimState:
    ref: str
    feared_country: str | None
    expressed_on: dt.date | None
    screening_deadline: dt.date | None
    screened_on: dt.date | None = None
    outcome: str | None = None  # "positive" / "negative" / None (undecided)
    screening_known_on: dt.date | None = None  # the day the screening was recorded (F2)


@dataclass(frozen=True, slots=True)
class ConsentState:
    given_on: dt.date
    consent: ConsentGiven
    withdrawn_on: dt.date | None = None


@dataclass(frozen=True, slots=True)
class AgeDisputeState:
    opened_on: dt.date | None
    resolved_on: dt.date | None = None
    outcome: str | None = None  # "adult" / "child"
    final: bool = False
    assessed_date_of_birth: dt.date | None = None


@dataclass(frozen=True, slots=True)
class LegalState:
    """The person's legal situation as known at `as_of` (what the rules read)."""

    as_of: dt.datetime
    claims: tuple[ClaimState, ...] = ()
    appeals: tuple[AppealState, ...] = ()
    stays: tuple[StayState, ...] = ()
    fear_claims: tuple[FearClaimState, ...] = ()
    notices: tuple[Dated[NoticeServed], ...] = ()
    legal_advice: tuple[Dated[LegalAdviceGiven], ...] = ()
    consent: ConsentState | None = None
    age_dispute: AgeDisputeState | None = None
    assessments: tuple[Dated[AssessmentSigned], ...] = ()
    best_interests: tuple[Dated[BestInterestsDetermination], ...] = ()
    household: tuple[Dated[HouseholdMembership], ...] = ()
    assurances: tuple[Dated[DiplomaticAssuranceReceived], ...] = ()
    nationalities: frozenset[str] = frozenset()
    event_ids: tuple[str, ...] = ()  # the events applied, in order
    pending_event_ids: tuple[str, ...] = ()  # known, but taking effect after as_of


# What the timeline reads of an event: (effective_at, recorded_at, id, kind, payload,
# supersedes), sorted on the first three. The bulk screening builds these plain tuples straight
# from database rows, without a `LegalEvent` in between.
EventRow = tuple[dt.date, dt.datetime, str, EventKind, Payload, str | None]
_ORDER = itemgetter(0, 1, 2)  # effective_at, recorded_at, id


def timeline_as_of(
    events: Iterable[LegalEvent], at: dt.datetime, *, zone: ZoneInfo | None = None
) -> LegalState:
    """Derive the legal state from the events recorded by `at` (later records are ignored).

    Supersession: an event superseded by any event recorded by `at` is dropped (a retraction
    only drops). Events taking effect after `at`'s day are known but not yet applied.
    """
    return timeline_of_rows(
        [(e.effective_at, e.recorded_at, e.id, e.kind, e.payload, e.supersedes) for e in events],
        at,
        zone=zone,
    )


def timeline_of_rows(
    rows: Iterable[EventRow], at: dt.datetime, *, zone: ZoneInfo | None = None
) -> LegalState:
    """`timeline_as_of` for events given as `EventRow`s (the one derivation of the state)."""
    if at.tzinfo is None:
        raise ValueError("timeline_as_of needs an aware datetime")
    tz = zone or clock.local_zone()
    day = at.astimezone(tz).date()
    live = [r for r in rows if r[1] <= at]
    superseded = {r[5] for r in live if r[5] is not None}
    if superseded:
        live = [r for r in live if r[2] not in superseded]
    live.sort(key=_ORDER)

    claims: dict[str, ClaimState] = {}
    appeals: dict[str, AppealState] = {}
    stays: dict[str, StayState] = {}
    fears: dict[str, FearClaimState] = {}
    notices: list[Dated[NoticeServed]] = []
    advice: list[Dated[LegalAdviceGiven]] = []
    assessments: list[Dated[AssessmentSigned]] = []
    bids: list[Dated[BestInterestsDetermination]] = []
    household: dict[str, Dated[HouseholdMembership]] = {}
    assurances: list[Dated[DiplomaticAssuranceReceived]] = []
    nationalities: set[str] = set()
    consent: ConsentState | None = None
    age: AgeDisputeState | None = None
    applied: list[str] = []
    pending: list[str] = []

    for on, recorded, event_id, kind, p, _supersedes in live:
        if on > day:
            pending.append(event_id)
            continue
        applied.append(event_id)
        if kind is EventKind.RETRACTION:
            continue
        # The most frequent kinds first: this loop runs for every person screened.
        if isinstance(p, NoticeServed):
            notices.append(Dated(event_id, on, p, recorded.astimezone(tz).date()))
        elif isinstance(p, LegalAdviceGiven):
            advice.append(Dated(event_id, on, p))
        elif isinstance(p, ConsentGiven):
            consent = ConsentState(given_on=on, consent=p)
        elif isinstance(p, ConsentWithdrawn):
            if consent is not None and consent.withdrawn_on is None:
                consent = ConsentState(consent.given_on, consent.consent, withdrawn_on=on)
        elif isinstance(p, AssessmentSigned):
            assessments.append(Dated(event_id, on, p))
        elif isinstance(p, AsylumClaimFiled):
            old = claims.get(p.claim_ref)
            claims[p.claim_ref] = (
                ClaimState(ref=p.claim_ref, filed_on=on)
                if old is None
                else ClaimState(
                    p.claim_ref,
                    old.filed_on or on,
                    old.decided_on,
                    old.outcome,
                    old.appealable,
                    old.appeal_window_ends,
                    old.decision_known_on,
                )
            )
        elif isinstance(p, AsylumClaimDecided):
            old = claims.get(p.claim_ref)
            claims[p.claim_ref] = ClaimState(
                ref=p.claim_ref,
                filed_on=old.filed_on if old else None,
                decided_on=on,
                outcome=p.outcome,
                appealable=p.appealable,
                appeal_window_ends=p.appeal_window_ends,
                decision_known_on=recorded.astimezone(tz).date(),
            )
        elif isinstance(p, AppealFiled):
            old_a = appeals.get(p.appeal_ref)
            appeals[p.appeal_ref] = AppealState(
                ref=p.appeal_ref,
                claim_ref=p.claim_ref,
                filed_on=on,
                decided_on=old_a.decided_on if old_a else None,
                outcome=old_a.outcome if old_a else None,
                final=old_a.final if old_a else False,
                further_window_ends=old_a.further_window_ends if old_a else None,
                decision_known_on=old_a.decision_known_on if old_a else None,
            )
        elif isinstance(p, AppealDecided):
            old_a = appeals.get(p.appeal_ref)
            appeals[p.appeal_ref] = AppealState(
                ref=p.appeal_ref,
                claim_ref=old_a.claim_ref if old_a else None,
                filed_on=old_a.filed_on if old_a else None,
                decided_on=on,
                outcome=p.outcome,
                final=p.final,
                further_window_ends=p.further_window_ends,
                decision_known_on=recorded.astimezone(tz).date(),
            )
        elif isinstance(p, CourtStayGranted):
            stays[p.stay_ref] = StayState(p.stay_ref, p.measure, p.court, on, p.until)
        elif isinstance(p, CourtStayLifted):
            old_s = stays.get(p.stay_ref)
            if old_s is not None:
                stays[p.stay_ref] = StayState(
                    old_s.ref, old_s.measure, old_s.court, old_s.granted_on, old_s.until, on
                )
        elif isinstance(p, FearExpressed):
            fears[p.fear_ref] = FearClaimState(
                ref=p.fear_ref,
                feared_country=p.feared_country,
                expressed_on=on,
                screening_deadline=p.screening_deadline,
            )
        elif isinstance(p, FearScreeningDone):
            old_f = fears.get(p.fear_ref)
            # A screening of a fear we never recorded still records the fear (protective).
            fears[p.fear_ref] = FearClaimState(
                ref=p.fear_ref,
                feared_country=old_f.feared_country if old_f else None,
                expressed_on=old_f.expressed_on if old_f else None,
                screening_deadline=old_f.screening_deadline if old_f else None,
                screened_on=on,
                outcome=p.outcome,
                screening_known_on=recorded.astimezone(tz).date(),
            )
        elif isinstance(p, AgeDisputeOpened):
            age = AgeDisputeState(opened_on=on)
        elif isinstance(p, AgeDisputeResolved):
            age = AgeDisputeState(
                opened_on=age.opened_on if age else None,
                resolved_on=on,
                outcome=p.outcome,
                final=p.final,
                assessed_date_of_birth=p.assessed_date_of_birth,
            )
        elif isinstance(p, BestInterestsDetermination):
            bids.append(Dated(event_id, on, p))
        elif isinstance(p, HouseholdMembership):
            household[p.member_ref] = Dated(event_id, on, p)
        elif isinstance(p, DiplomaticAssuranceReceived):
            assurances.append(Dated(event_id, on, p))
        elif isinstance(p, NationalityRecorded):
            nationalities.add(p.country)

    return LegalState(
        as_of=at,
        claims=tuple(claims.values()),
        appeals=tuple(appeals.values()),
        stays=tuple(stays.values()),
        fear_claims=tuple(fears.values()),
        notices=tuple(notices),
        legal_advice=tuple(advice),
        consent=consent,
        age_dispute=age,
        assessments=tuple(assessments),
        best_interests=tuple(bids),
        household=tuple(household.values()),
        assurances=tuple(assurances),
        nationalities=frozenset(nationalities),
        event_ids=tuple(applied),
        pending_event_ids=tuple(pending),
    )
