"""What the safeguard rules read: one frozen `RuleContext` per person and evaluation.

The context is built by the caller (a service in phase 2, the benchmark generator, tests) from
the database or from fixtures; the rules never touch the database, so an evaluation can be
replayed from its inputs and its `inputs_hash` checked.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _

from ikaze.agreements.standards import PROTECTIVE_DEFAULTS
from ikaze.core import clock
from ikaze.vetting.legal_events import LegalState, Relationship


class Stage(TextChoices):
    """When the rules run (SAFEGUARDS preamble). At "referral" findings are advisory.

    The one definition (issue 10 item 4): `Evaluation.stage` takes its choices and its check
    constraint from it, the services and the API parse stages with it.
    """

    REFERRAL = "referral", _("At referral (advisory)")
    DECISION = "decision", _("At decision")
    MANIFEST_LOCK = "manifest_lock", _("At manifest lock")
    DEPARTURE = "departure", _("At departure")


MOVEMENT_STAGES = frozenset({Stage.MANIFEST_LOCK, Stage.DEPARTURE})
ACCEPTANCE_STAGES = frozenset({Stage.DECISION, Stage.MANIFEST_LOCK, Stage.DEPARTURE})


class DobPrecision(StrEnum):
    DAY = "day"
    MONTH = "month"
    YEAR = "year"


@dataclass(frozen=True, slots=True)
class DateOfBirth:
    value: dt.date
    precision: DobPrecision = DobPrecision.DAY

    def latest_possible(self) -> dt.date:
        """The latest real birthday this record allows: a child is never taken for an adult
        because only the year (or month) is known (SAFEGUARDS A1, protective reading)."""
        v = self.value
        if self.precision is DobPrecision.YEAR:
            return dt.date(v.year, 12, 31)
        if self.precision is DobPrecision.MONTH:
            return dt.date(v.year, v.month, calendar.monthrange(v.year, v.month)[1])
        return v


def age_on(born: dt.date, day: dt.date) -> int:
    """Completed years on `day` (a person born on 29 February turns a year older on 1 March)."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


@dataclass(frozen=True, slots=True)
class HouseholdMember:
    person_id: str
    relationship: Relationship  # what the member is to this person
    is_child: bool  # under 18, or age disputed and not finally resolved
    present: bool  # on the same referral (decision) or the same manifest (movement)


@dataclass(frozen=True, slots=True)
class PersonFacts:
    person_id: str
    date_of_birth: DateOfBirth | None
    sex: str | None = None
    nationalities: frozenset[str] = frozenset()  # ISO 3166-1 alpha-2, upper case
    languages: tuple[str, ...] = ()  # ISO 639 codes the person understands, preferred first
    needs_interpreter: bool = False
    has_counsel: bool = False  # a legal representative is on record
    household: tuple[HouseholdMember, ...] = ()


# SAFEGUARDS A4: UK–Rwanda MoU 5.2–5.4; an agreement may require more.
DEFAULT_REQUIRED_FIELDS = frozenset(
    {"name", "sex", "date_of_birth", "nationality", "travel_document"}
)


@dataclass(frozen=True, slots=True)
class ReferralFacts:
    referral_id: str
    present_fields: frozenset[str]  # which of the required data items the referral carries
    health_data_present: bool = False
    health_data_consent: bool = False
    # Text hashes of this person's assessments that also appear on another person's
    # assessment (the caller finds them with one grouped query): a copied text (A3).
    shared_assessment_hashes: frozenset[str] = frozenset()
    # SAFEGUARDS F3: the `notice_served` events the notice service recorded (and, when late,
    # a second officer confirmed) for notices issued on this referral; no other counts for A9.
    notice_service_events: frozenset[str] = frozenset()


def _std(name: str) -> int:
    return PROTECTIVE_DEFAULTS[name].value


@dataclass(frozen=True, slots=True)
class AgreementSettings:
    """The agreement's settings the rules read. Defaults are the protective standard."""

    agreement_id: str
    receiving_state: str = "RW"
    voluntary: bool = False
    cap: int | None = None  # None: uncapped
    places_left: int | None = None  # for the period; the database enforces it, A6 reports it
    assessment_max_age_days: int = field(default_factory=lambda: _std("assessment_max_age_days"))
    acceptance_valid_days: int = field(default_factory=lambda: _std("acceptance_valid_days"))
    notice_period_days: int = field(default_factory=lambda: _std("notice_period_days"))
    review_window_days: int = field(default_factory=lambda: _std("review_window_days"))
    appeal_window_days: int = field(default_factory=lambda: _std("appeal_window_days"))
    required_fields: frozenset[str] = DEFAULT_REQUIRED_FIELDS
    # SAFEGUARDS A13: a scheme whose payment depends on giving up a protection claim.
    payment_conditional_on_claim_withdrawal: bool = False


@dataclass(frozen=True, slots=True)
class DecisionFacts:
    """The acceptance relied on (or, at stage "decision", the decision being made).

    Three states besides an acceptance, for SAFEGUARDS A5: `awaiting`, no decision yet while
    one can still be made (at stage "decision" A5 waits for it, a warning); `refused`, a named
    officer refused this person; neither, no acceptance is known: silence, which is refusal.
    The default is silence, so a caller that forgets to say a decision is awaited blocks.
    """

    accepted: bool = False
    officer: str | None = None  # the named receiving-state officer
    accepted_at: dt.datetime | None = None
    reason: str = ""
    counted_in_cap: bool = False  # this person already holds one of the agreement's places
    awaiting: bool = False
    refused: bool = False

    def __post_init__(self) -> None:
        if self.accepted + self.awaiting + self.refused > 1:
            raise ValueError("A decision is accepted, awaited or refused: one at most.")


@dataclass(frozen=True, slots=True)
class RuleContext:
    stage: Stage
    now: dt.datetime  # aware
    legal: LegalState
    person: PersonFacts
    referral: ReferralFacts
    agreement: AgreementSettings
    decision: DecisionFacts = DecisionFacts()
    planned_departure: dt.date | None = None  # the manifest's date, once there is one
    # Derived, not an input: the day in the receiving state's calendar.
    today: dt.date = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.now.tzinfo is None or self.now.utcoffset() is None:
            raise ValueError("RuleContext.now must be an aware datetime")
        object.__setattr__(self, "today", self.now.astimezone(clock.local_zone()).date())

    @property
    def transfer_date(self) -> dt.date | None:
        """The day the person would leave: today at departure, else the planned date."""
        return self.today if self.stage is Stage.DEPARTURE else self.planned_departure

    def local_date(self, moment: dt.datetime) -> dt.date:
        return moment.astimezone(clock.local_zone()).date()
