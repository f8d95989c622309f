"""Validation of manifest rows: each row alone, then the rows together.

Pure functions over text (no database), so hypothesis can feed them anything.
"""

from __future__ import annotations

import calendar
import datetime as dt
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field

from ikaze.core.text import ONE_LINE_REFUSED, limit_of, normalise_text, shown, text_problem
from ikaze.intake.manifest import FORMULA_PREFIXES, MAX_CELL_CHARS, REQUIRED, RefusedCells
from ikaze.people import validation as v
from ikaze.people.models import (
    Household,
    HouseholdMember,
    IdentityDocument,
    Person,
    SensitiveData,
    Sex,
)
from ikaze.vetting.models import Referral
from ikaze.vetting.rules.context import age_on
from ikaze.vetting.screening import ADULT_AGE  # SAFEGUARDS A1: the age of majority

_YES = {"yes", "y", "true", "1", "si", "sí", "oui"}
_NO = {"", "no", "n", "false", "0", "non"}
_DOC_KINDS = frozenset(IdentityDocument.Kind.values)
_ROLES = frozenset(HouseholdMember.Role.values)
_ADULT_ROLES = HouseholdMember.ADULT_ROLES
# Only free text keeps tab and line breaks; every other cell is one line.
_FREE_TEXT = frozenset({"health", "vulnerabilities"})
# What the cell's field holds (ikaze.core.text): refused per cell, naming row and column,
# the same limits the API, the pages and the database hold (issue 9 item 15).
_LIMITS: dict[str, int] = {
    **{
        name: limit_of(Person, name)
        for name in (
            "external_reference",
            "given_names",
            "first_surname",
            "second_surname",
            "name_as_in_documents",
            "place_of_birth",
        )
    },
    "phone": v.PHONE_INPUT_MAX_CHARS,
    "document_number": limit_of(IdentityDocument, "number"),
    "household_reference": limit_of(Household, "reference"),
    "relationship": limit_of(HouseholdMember, "relationship"),
    "referral_reference": limit_of(Referral, "external_reference"),
    "health": limit_of(SensitiveData, "health"),
    "vulnerabilities": limit_of(SensitiveData, "vulnerabilities"),
}
_FORMULA_FIRST = frozenset("".join(FORMULA_PREFIXES))
_REQUIRED_SORTED = tuple(sorted(REQUIRED))
_SEXES = frozenset(Sex.values)


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    value: str
    reason: str


@dataclass
class CleanRow:
    row: int
    external_reference: str
    given_names: str
    first_surname: str
    second_surname: str
    name_as_in_documents: str
    aliases: list[str]
    sex: str
    date_of_birth: dt.date
    dob_precision: str
    place_of_birth: str
    nationalities: list[str]
    languages: list[str]
    needs_interpreter: bool
    phone: str
    document_type: str
    document_number: str
    document_issuing_state: str
    document_expiry: dt.date | None
    household_reference: str
    household_role: str
    relationship: str
    referral_reference: str
    health: str
    health_consent: bool
    vulnerabilities: str
    extra: dict[str, str] = field(default_factory=dict)


def _flag(value: str, *, yes_no_column: str, problems: list[Problem], row: int) -> bool:
    low = value.strip().lower()
    if low in _YES:
        return True
    if low not in _NO:
        problems.append(Problem(row, yes_no_column, value, "Write yes or no."))
    return False


def _looks_like_formula(column: str, value: str) -> bool:
    if not value.startswith(FORMULA_PREFIXES):
        return False
    # A phone number in E.164 starts with '+' and is data, not a formula.
    return not (column == "phone" and v.E164.match(value.replace(" ", "")))


_shown = shown  # a refused cell as the error report shows it (ikaze.core.text)


def _birth_period(dob: dt.date, precision: str) -> tuple[dt.date, dt.date]:
    """The earliest and the latest birthday a date known to `precision` allows."""
    if precision == "year":
        return dob, dt.date(dob.year, 12, 31)
    if precision == "month":
        return dob, dt.date(dob.year, dob.month, calendar.monthrange(dob.year, dob.month)[1])
    return dob, dob


def _role_against_age(role: str, dob: dt.date, precision: str, today: dt.date) -> str | None:
    """Why a household role cannot be this person's at their age (SAFEGUARDS A1, A7), or None.

    Protective reading, as the rules read a date known only to the month or year: an adult
    role needs 18 years even on the latest birthday the date allows; "child" is refused only
    for someone 18 even on the earliest (an adult son or daughter is an other_adult).
    """
    earliest, latest = _birth_period(dob, precision)
    if role in _ADULT_ROLES and (age := age_on(latest, today)) < ADULT_AGE:
        return (
            f"A {role} must be at least {ADULT_AGE}; this person may be {age} "
            "(SAFEGUARDS A1, A7: a child is never the adult of a household)."
        )
    if role == "child" and (age := age_on(earliest, today)) >= ADULT_AGE:
        return (
            f"This person is at least {age}; an adult is not a child of the household "
            "(write other_adult, or spouse or head)."
        )
    return None


def validate_row(
    row: int, raw: dict[str, str], *, today: dt.date
) -> tuple[CleanRow | None, list[Problem]]:
    """Check one row; return the clean row (None if any problem) and every problem found."""
    problems: list[Problem] = []
    cells: dict[str, str] = {}
    values = ["" if value is None else str(value) for value in raw.values()]
    # Cells the reader could not take as text (a JSON object, an XLSX error cell, ...):
    # manifest.RefusedCells carries them, so a row without any costs one look.
    refused = raw.refused if isinstance(raw, RefusedCells) else None
    # Most rows are clean: one look at all their text for control, format characters and
    # line breaks, and for text not in NFC; the per-cell checks only where a cell could fail.
    joined = "".join(values)
    suspect = ONE_LINE_REFUSED.search(joined) is not None
    # A text in NFC has each of its cells in NFC (the reverse need not hold: a cell may
    # start with an accent that composes with the end of the one before).
    unnormalised = not joined.isascii() and not unicodedata.is_normalized("NFC", joined)
    for column, value in zip(raw, values, strict=True):
        limit = _LIMITS.get(column, MAX_CELL_CHARS)
        if refused is not None and column in refused:
            problems.append(Problem(row, column, _shown(value), refused[column]))
            value = ""
        elif (
            value
            and (value[0] in _FORMULA_FIRST or value[0].isspace())
            and _looks_like_formula(column, value.lstrip())
        ):
            problems.append(
                Problem(
                    row,
                    column,
                    _shown(value),
                    "Cells may not start with = + - @ (formulas are refused, never evaluated).",
                )
            )
            value = ""
        elif len(value) > MAX_CELL_CHARS:
            problems.append(
                Problem(row, column, _shown(value), f"Longer than {MAX_CELL_CHARS} characters.")
            )
            value = ""
        elif (suspect or len(value) > limit) and (
            problem := text_problem(value.strip(), max_length=limit, multiline=column in _FREE_TEXT)
        ):
            problems.append(Problem(row, column, _shown(value), str(problem)))
            value = ""
        elif unnormalised and len(value := normalise_text(value)) > limit:
            # Unicode normalisation (NFC, ikaze.core.text) made it longer than its field.
            problems.append(Problem(row, column, _shown(value), f"At most {limit} characters."))
            value = ""
        cells[column] = value.strip()

    # A column the file does not have reads as empty.
    get = defaultdict(str, cells).__getitem__

    def bad(name: str, reason: str) -> None:
        problems.append(Problem(row, name, get(name)[:200], reason))

    for name in _REQUIRED_SORTED:
        if name in raw and not get(name) and not any(p.column == name for p in problems):
            bad(name, "Required; the cell is empty.")

    sex = get("sex").upper()
    if get("sex") and sex not in _SEXES:
        bad("sex", f"Write one of {', '.join(Sex.values)}.")

    dob: dt.date | None = None
    precision = "exact"
    if get("date_of_birth"):
        try:
            dob, precision = v.birth_date(get("date_of_birth"), today=today)
        except v.FieldProblem as exc:
            bad("date_of_birth", str(exc))

    nationalities: list[str] = []
    if get("nationalities"):
        try:
            nationalities = v.countries(get("nationalities"), required=True)
        except v.FieldProblem as exc:
            bad("nationalities", str(exc))

    languages: list[str] = []
    try:
        languages = v.languages(get("languages"))
    except v.FieldProblem as exc:
        bad("languages", str(exc))

    needs_interpreter = _flag(
        get("needs_interpreter"), yes_no_column="needs_interpreter", problems=problems, row=row
    )
    health_consent = _flag(
        get("health_consent"), yes_no_column="health_consent", problems=problems, row=row
    )

    phone = ""
    try:
        phone = v.phone(get("phone"))
    except v.FieldProblem as exc:
        bad("phone", str(exc))

    doc_type = get("document_type").lower()
    if get("document_type") and doc_type not in _DOC_KINDS:
        bad("document_type", f"Write one of {', '.join(sorted(_DOC_KINDS))}.")
    elif doc_type and doc_type not in IdentityDocument.TRAVEL_KINDS:
        # SAFEGUARDS A4: the referral must carry a travel document.
        bad("document_type", "A passport or travel document is required (SAFEGUARDS A4).")
    issuing = ""
    if get("document_issuing_state"):
        try:
            issuing = v.country(get("document_issuing_state"))
        except v.FieldProblem as exc:
            bad("document_issuing_state", str(exc))
    expiry: dt.date | None = None
    if get("document_expiry"):
        try:
            expiry, _ = v.partial_date(get("document_expiry"), today=today, allow_partial=False)
        except v.FieldProblem as exc:
            bad("document_expiry", str(exc))
        else:
            if expiry < today:
                bad("document_expiry", "The travel document has expired.")

    household = get("household_reference")
    role = get("household_role").lower()
    if household and not role:
        bad("household_role", "Required with a household reference.")
    elif role and role not in _ROLES:
        bad("household_role", f"Write one of {', '.join(sorted(_ROLES))}.")
    elif role and not household:
        bad("household_reference", "A household role needs a household reference.")
    elif role and dob is not None and (reason := _role_against_age(role, dob, precision, today)):
        bad("household_role", reason)

    document_number = get("document_number").upper()
    if len(document_number) > _LIMITS["document_number"]:
        # Upper case can be longer than what was sent ("ß" is "SS").
        bad("document_number", f"At most {_LIMITS['document_number']} characters in capitals.")

    aliases = v.split_list(get("aliases"))
    if any(len(a) > v.ALIAS_MAX_CHARS for a in aliases):
        bad("aliases", f"Each alias has at most {v.ALIAS_MAX_CHARS} characters.")

    # SAFEGUARDS A4: health data only with consent.
    if get("health") and not health_consent:
        bad("health", "Health information needs health_consent = yes (SAFEGUARDS A4).")

    if problems:
        return None, problems
    assert dob is not None
    return (
        CleanRow(
            row=row,
            external_reference=get("external_reference"),
            given_names=" ".join(get("given_names").split()),
            first_surname=" ".join(get("first_surname").split()),
            second_surname=" ".join(get("second_surname").split()),
            name_as_in_documents=get("name_as_in_documents"),
            aliases=aliases,
            sex=sex,
            date_of_birth=dob,
            dob_precision=precision,
            place_of_birth=get("place_of_birth"),
            nationalities=nationalities,
            languages=languages,
            needs_interpreter=needs_interpreter,
            phone=phone,
            document_type=doc_type,
            document_number=document_number,
            document_issuing_state=issuing,
            document_expiry=expiry,
            household_reference=household,
            household_role=role,
            relationship=get("relationship"),
            referral_reference=get("referral_reference") or get("external_reference"),
            health=get("health"),
            health_consent=health_consent,
            vulnerabilities=get("vulnerabilities"),
        ),
        [],
    )


def validate_rows(
    rows: list[CleanRow], *, known_adult_households: frozenset[str] = frozenset()
) -> tuple[list[CleanRow], list[Problem]]:
    """Checks across rows: repeated references, one head per household, and children
    without an adult (A7).

    `rows` are rows that passed `validate_row`; returns those that still pass and the problems.
    `known_adult_households` are household references that already have an adult on record.
    """
    problems: list[Problem] = []
    first_seen: dict[str, int] = {}
    kept: list[CleanRow] = []
    for r in rows:
        seen = first_seen.get(r.external_reference)
        if seen is not None:
            problems.append(
                Problem(
                    r.row,
                    "external_reference",
                    r.external_reference,
                    f"Repeats row {seen} (same external_reference).",
                )
            )
            continue
        first_seen[r.external_reference] = r.row
        kept.append(r)
    kept = _one_head_each(kept, problems)
    adults: dict[str, int] = defaultdict(int)
    for r in kept:
        if r.household_reference and r.household_role in _ADULT_ROLES:
            adults[r.household_reference] += 1
    out: list[CleanRow] = []
    for r in kept:
        if (
            r.household_reference
            and r.household_role == "child"
            and not adults.get(r.household_reference)
            and r.household_reference not in known_adult_households
        ):
            # SAFEGUARDS A7: children move only with family.
            problems.append(
                Problem(
                    r.row,
                    "household_reference",
                    r.household_reference,
                    "A child without an adult of the same household (no valid head, spouse or other adult row).",
                )
            )
            continue
        out.append(r)
    return out, problems


def _one_head_each(rows: list[CleanRow], problems: list[Problem]) -> list[CleanRow]:
    """A household has one head: a second head row is refused, naming the first."""
    heads: dict[str, int] = {}
    out: list[CleanRow] = []
    for r in rows:
        if r.household_reference and r.household_role == "head":
            first = heads.setdefault(r.household_reference, r.row)
            if first != r.row:
                problems.append(
                    Problem(
                        r.row,
                        "household_role",
                        r.household_role,
                        f"Household {r.household_reference} already has its head in row "
                        f"{first}; a household has one head.",
                    )
                )
                continue
        out.append(r)
    return out
