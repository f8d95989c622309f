"""What the vetting pages show for the codes they read: fact kinds, the fields and coded values
of a fact's payload, the facts a finding used, refusal reasons. Each in the reader's language.

Stored data keeps its codes (the rules, the API and the audit chain read those); only what a
person reads goes through these tables. A code without a label is shown as it is, with its
underscores as spaces, so a new code is never hidden (tests/test_labels.py checks every kind,
field and value of the payload schemas).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ikaze.agreements.standards import PROTECTIVE_DEFAULTS
from ikaze.core.names import country_name, language_name
from ikaze.people.models import DatePrecision
from ikaze.vetting.legal_events import AssessmentTopic, EventKind, Relationship
from ikaze.vetting.rules.findings import Finding
from ikaze.vetting.rules.reasons import RefusalReason

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise as Label

FACT_KINDS: dict[str, Label] = {
    EventKind.ASYLUM_CLAIM_FILED: _("Asylum claim filed"),
    EventKind.ASYLUM_CLAIM_DECIDED: _("Asylum claim decided"),
    EventKind.APPEAL_FILED: _("Appeal filed"),
    EventKind.APPEAL_DECIDED: _("Appeal decided"),
    EventKind.COURT_STAY_GRANTED: _("Court stay granted"),
    EventKind.COURT_STAY_LIFTED: _("Court stay lifted"),
    EventKind.FEAR_EXPRESSED: _("Fear expressed"),
    EventKind.FEAR_SCREENING_DONE: _("Fear screening done"),
    EventKind.NOTICE_SERVED: _("Notice served"),
    EventKind.LEGAL_ADVICE_GIVEN: _("Legal advice given"),
    EventKind.CONSENT_GIVEN: _("Consent given"),
    EventKind.CONSENT_WITHDRAWN: _("Consent withdrawn"),
    EventKind.AGE_DISPUTE_OPENED: _("Age dispute opened"),
    EventKind.AGE_DISPUTE_RESOLVED: _("Age dispute resolved"),
    EventKind.ASSESSMENT_SIGNED: _("Pre-transfer assessment signed"),
    EventKind.BEST_INTERESTS_DETERMINATION: _("Best-interests determination"),
    EventKind.HOUSEHOLD_MEMBERSHIP: _("Household membership"),
    EventKind.DIPLOMATIC_ASSURANCE_RECEIVED: _("Diplomatic assurance received"),
    EventKind.NATIONALITY_RECORDED: _("Nationality recorded"),
    EventKind.RETRACTION: _("Retraction"),
}

# The fields of the payload schemas (legal_events.py), then the keys of a finding's facts.
FIELDS: dict[str, Label] = {
    "appeal_ref": _("Appeal reference"),
    "appeal_window_ends": _("Appeal window ends"),
    "appealable": _("Appealable"),
    "decision_recorded_on": _("Decision recorded on"),
    "assessed_date_of_birth": _("Assessed date of birth"),
    "assessor": _("Assessor"),
    "authority": _("Deciding authority"),
    "basis": _("Basis"),
    "claim_ref": _("Claim reference"),
    "claimed_date_of_birth": _("Claimed date of birth"),
    "consent_by": _("Consent given by"),
    "consent_recorded": _("Consent recorded"),
    "copied_from": _("Copied from"),
    "counsel_name": _("Counsel"),
    "country": _("Country"),
    "court": _("Court"),
    "covers": _("Covers"),
    "destination_country": _("Destination country"),
    "determined_by": _("Determined by"),
    "expressed_to": _("Expressed to"),
    "fear_ref": _("Fear claim reference"),
    "feared_country": _("Feared country"),
    "final": _("Final"),
    "forum": _("Forum"),
    "from_state": _("From state"),
    "further_window_ends": _("Onward appeal window ends"),
    "household_ref": _("Household reference"),
    "individual": _("Individual"),
    "informed": _("Informed"),
    "interpreter_language": _("Interpreter's language"),
    "language": _("Language"),
    "measure": _("Measure"),
    "member_is_child": _("The member is a child"),
    "member_ref": _("Member"),
    "method": _("Method"),
    "notice_kind": _("Kind of notice"),
    "notice_ref": _("Notice reference"),
    "outcome": _("Outcome"),
    "payment_conditional_on_claim_withdrawal": _("Payment conditional on withdrawing a claim"),
    "payment_currency": _("Payment currency"),
    "payment_offered_minor": _("Payment offered (minor units)"),
    "proof_reference": _("Proof of service (reference)"),
    "provider": _("Provider"),
    "reason": _("Reason"),
    "reference": _("Reference"),
    "relationship": _("Relationship"),
    "scheme": _("Scheme"),
    "screener": _("Screener"),
    "screening_deadline": _("Screening deadline"),
    "separated_members": _("Members who do not move"),
    "served_on_counsel": _("Served on counsel"),
    "served_on_person": _("Served on the person"),
    "stay_ref": _("Stay reference"),
    "summary": _("Summary"),
    "template_language": _("Language of the text"),
    "text_sha256": _("Text fingerprint (SHA-256)"),
    "topics": _("Topics covered"),
    "translation_recorded": _("Translation recorded"),
    "until": _("Until"),
    # --- the facts a finding used (ikaze/vetting/rules) ---
    "absent_members": _("Absent members"),
    "accepted": _("Accepted"),
    "accepted_at": _("Accepted at"),
    "accepted_on": _("Accepted on"),
    "accompanied_by": _("Accompanied by"),
    "adult_family_present": _("Adult family present"),
    "advice_recorded": _("Legal advice recorded"),
    "age": _("Age"),
    "age_days": _("Age (days)"),
    "age_dispute_opened_on": _("Age dispute opened on"),
    "appeals": _("Appeals"),
    "assessment_event": _("Assessment (fact)"),
    "assessments": _("Assessments"),
    "cap": _("Cap"),
    "checked_for": _("Checked for"),
    "child": _("Child"),
    "claims": _("Claims"),
    "count": _("Count"),
    "date_of_birth": _("Date of birth"),
    "decided_on": _("Decided on"),
    "defects": _("Defects"),
    "determination_event": _("Determination (fact)"),
    "determined_on": _("Determined on"),
    "earliest_transfer": _("Earliest transfer"),
    "expressed_on": _("Expressed on"),
    "fear_claims": _("Fear claims"),
    "fear_refs": _("Fear claims"),
    "filed_on": _("Filed on"),
    "given_on": _("Given on"),
    "granted_on": _("Granted on"),
    "health_data_consent": _("Consent to share health data"),
    "health_data_present": _("Health data present"),
    "household_size": _("Household size"),
    "max_age_days": _("Maximum age (days)"),
    "missing": _("Missing"),
    "nationalities": _("Nationalities"),
    "notice_period_days": _("Notice period (days)"),
    "notices_not_counted": _("Notices not counted"),
    "now": _("Now"),
    "officer": _("Officer"),
    "person_languages": _("Person's languages"),
    "places_left": _("Places left"),
    "precision": _("Precision"),
    "reason_code": _("Reason code"),
    "reason_given": _("Reason given"),
    "receiving_state": _("Receiving state"),
    "references": _("References"),
    "review_window_ends": _("Review window ends"),
    "screened_on": _("Screened on"),
    "screening_recorded_on": _("Screening recorded on"),
    "screening_outcome": _("Screening outcome"),
    "screening_overdue": _("Screening overdue"),
    "served_on": _("Served on"),
    "service_recorded_on": _("Service recorded on"),
    "setting": _("Setting"),
    "signed_on": _("Signed on"),
    "standard": _("Standard"),
    "stays": _("Stays"),
    "transfer_date": _("Transfer date"),
    "valid_until": _("Valid until"),
    "value": _("Value"),
    "voluntary": _("Voluntary"),
    "window_ends": _("Window ends"),
    "window_recorded": _("Window recorded"),
    "withdrawn_on": _("Withdrawn on"),
}

OUTCOMES: dict[str, Label] = {
    "granted": _("granted"),
    "refused": _("refused"),
    "inadmissible": _("inadmissible"),
    "withdrawn": _("withdrawn"),
    "allowed": _("allowed"),
    "dismissed": _("dismissed"),
    "positive": _("positive"),
    "negative": _("negative"),
    "adult": _("adult"),
    "child": _("child"),
    "keep_together": _("keep the household together"),
    "split_in_best_interests": _("split in the best interests of the child"),
}
MEASURES: dict[str, Label] = {
    "stay": _("court stay"),
    "ecthr_rule_39": _("ECtHR Rule 39 interim measure"),
    "interim_measure": _("court interim measure"),
}
NOTICE_KINDS: dict[str, Label] = {
    "transfer": _("Transfer notice"),
    "decision": _("Decision notice"),
}
TOPICS: dict[str, Label] = {
    AssessmentTopic.VULNERABILITIES: _("vulnerabilities"),
    AssessmentTopic.HEALTH: _("health"),
    AssessmentTopic.FAMILY_LINKS: _("family links"),
    AssessmentTopic.TRAFFICKING_INDICATORS: _("trafficking indicators"),
    AssessmentTopic.LINKS_TO_RECEIVING_STATE: _("links to the receiving state"),
}
RELATIONSHIPS: dict[str, Label] = {
    Relationship.PARENT: _("parent"),
    Relationship.LEGAL_GUARDIAN: _("legal guardian"),
    Relationship.CUSTOMARY_CAREGIVER: _("customary caregiver"),
    Relationship.CHILD: _("child"),
    Relationship.SPOUSE: _("spouse"),
    Relationship.SIBLING: _("sibling"),
    Relationship.GRANDPARENT: _("grandparent"),
    Relationship.OTHER_RELATIVE: _("other relative"),
}
# SAFEGUARDS A4: the data items a referral must carry (rules/context.py).
REQUIRED_DATA: dict[str, Label] = {
    "name": _("name"),
    "sex": _("sex"),
    "date_of_birth": _("date of birth"),
    "nationality": _("nationality"),
    "nationalities": _("nationality"),
    "travel_document": _("travel document"),
}
# Why an assessment (A3) or a served notice (A9) does not count.
DEFECTS: dict[str, Label] = {
    "bulk": _("a bulk assessment"),
    "copied": _("a copied assessment"),
    "not_a_transfer_notice": _("not a transfer notice"),
    "names_another_destination": _("names another destination"),
    "language_not_understood": _("not in a language the person understands"),
    "not_served_on_person": _("not served on the person"),
    "not_served_on_counsel": _("not served on counsel"),
    "not_recorded_through_notice_service": _(
        "not recorded as service of a notice issued for this referral"
    ),
}
AGE_BASES: dict[str, Label] = {
    "age_disputed": _("age disputed"),
    "age_dispute_resolved_adult": _("age dispute resolved: adult"),
    "age_dispute_resolved_child": _("age dispute resolved: child"),
    "date_of_birth_unknown": _("date of birth unknown"),
    "date_of_birth": _("date of birth"),
}
REFUSAL_REASONS: dict[str, Label] = {
    RefusalReason.INCOMPLETE_REFERRAL: _("Incomplete referral (A4)"),
    RefusalReason.SAFEGUARD_BLOCK: _("A safeguard blocks"),
    RefusalReason.CAP_REACHED: _("The cap is reached (A6)"),
    RefusalReason.NOT_ELIGIBLE: _("Not eligible under the agreement"),
    RefusalReason.IDENTITY_UNRESOLVED: _("Identity unresolved"),
    RefusalReason.OTHER: _("Other (explain)"),
}

# Which fields hold codes, and their labels (a value of any other field is shown as it is).
CODES: dict[str, Mapping[str, Label]] = {
    "outcome": OUTCOMES,
    "screening_outcome": OUTCOMES,
    "measure": MEASURES,
    "notice_kind": NOTICE_KINDS,
    "topics": TOPICS,
    "relationship": RELATIONSHIPS,
    "missing": REQUIRED_DATA,
    "defects": DEFECTS,
    "basis": AGE_BASES,
    # The rules' DobPrecision says "day" where the person registry says "exact".
    "precision": {"day": DatePrecision.EXACT.label, **dict(DatePrecision.choices)},
    "reason_code": REFUSAL_REASONS,
    "setting": {name: cast("Label", std.label) for name, std in PROTECTIVE_DEFAULTS.items()},
}

# Fields (of payloads and of findings' facts) holding ISO country or language codes: a page
# shows their names in the reader's language (core.names).
COUNTRY_FIELDS = frozenset(
    {"country", "destination_country", "feared_country", "from_state", "nationalities"}
    | {"receiving_state", "sending_state"}
)
LANGUAGE_FIELDS = frozenset(
    {"language", "languages", "interpreter_language", "template_language", "person_languages"}
)

# Facts that only spell another fact out for a message (`missing_text` for `missing`, ...).
_MESSAGE_ONLY = frozenset({"missing_text", "absent_text", "defects_text", "measure_label"})
# Fields whose values are person ids (A7, household facts): a page names each person.
PERSON_FIELDS = frozenset(
    {"absent_members", "separated_members", "adult_family_present", "member_ref"}
)


def person_refs(*datas: Mapping[str, Any]) -> list[str]:
    """The values of the person fields in these findings' facts or facts' payloads."""
    refs: list[str] = []
    for data in datas:
        for key in PERSON_FIELDS & data.keys():
            value = data[key]
            refs.extend(value if isinstance(value, (list, tuple, set, frozenset)) else [value])
    return [str(r) for r in refs if r]


def _named(value: Any, persons: Mapping[str, str]) -> Any:
    if isinstance(value, (list, tuple, set, frozenset)):
        return [persons.get(str(v), v) for v in value]
    return persons.get(str(value), value) if value else value


def fact_kind_label(kind: str) -> str:
    return str(FACT_KINDS.get(kind) or kind.replace("_", " "))


def field_label(name: str) -> str:
    return str(FIELDS.get(name) or name.replace("_", " "))


def _defect_label(code: str) -> str:
    topics, sep, rest = code.partition(":")
    if sep and topics == "missing":  # A3: "missing:health,family_links"
        names = ", ".join(code_label("topics", t) for t in rest.split(",") if t)
        return gettext("topics missing: %(topics)s") % {"topics": names}
    return str(DEFECTS.get(code, code))


def code_label(field: str, value: str) -> str:
    """The label of a coded value of `field` (the value itself when it has none)."""
    if field == "defects":
        return _defect_label(value)
    return str(CODES.get(field, {}).get(value, value))


def reason_labels(codes: list[str]) -> list[str]:
    return [code_label("reason_code", c) for c in codes]


def _shown(value: Any, field: str = "") -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, (list, tuple, set, frozenset)):
        return ", ".join(_shown(v, field) for v in value) or "—"
    if isinstance(value, dict):
        return "; ".join(f"{field_label(k)}: {_shown(v, k)}" for k, v in value.items()) or "—"
    text = str(value)
    if field in CODES:
        return code_label(field, text)
    if field in COUNTRY_FIELDS:
        return country_name(text)
    if field in LANGUAGE_FIELDS:
        return language_name(text)
    if len(text) == 64 and all(c in "0123456789abcdef" for c in text):
        return text[:12] + "…"  # a SHA-256: its start identifies it on a page
    return text


def shown_pairs(data: Any, *, persons: Mapping[str, str] | None = None) -> list[tuple[str, str]]:
    """A finding's facts or a fact's payload as (label, value) pairs in the reader's language;
    person ids named by `persons` (selectors.person_names) show as names."""
    if not isinstance(data, dict):
        return [("", _shown(data))]
    return [
        (field_label(k), _shown(_named(v, persons) if persons and k in PERSON_FIELDS else v, k))
        for k, v in data.items()
        if k not in _MESSAGE_ONLY
    ]


def rule_text(text: str, *, settings: tuple[str, ...], agreement: Any) -> str:
    """A rule's text in the reader's language, each setting it names replaced by the value
    this agreement sets (`notice_period_days` → `10`), as the rule applies it here."""
    shown = gettext(text)
    for setting in settings:
        value = getattr(agreement, setting, None)
        # A number of days or people reads well in the sentence; a flag does not ("Where the
        # scheme is voluntary" must not become "Where the scheme is False"), and a setting's
        # name is replaced only as a whole word.
        if isinstance(value, int) and not isinstance(value, bool):
            shown = re.sub(rf"(?<![\w.]){re.escape(setting)}(?!\w)", str(value), shown)
    return shown


def shown_finding(
    finding: Finding, *, people: Mapping[str, str], persons: Mapping[str, str] | None = None
) -> Finding:
    """The finding as a reader sees it: the codes its message names in the reader's language,
    the officer it names (A5 records the sign-in name) by full name, and the household members
    it names (A7 records person ids) by name.

    `people` maps sign-in names to full names (selectors.officer_names), `persons` person ids to
    names (selectors.person_names). The stored finding is unchanged; this copy is for display.
    """
    facts = dict(finding.facts_used)
    if persons:
        for key in PERSON_FIELDS & facts.keys():
            facts[key] = _named(facts[key], persons)
        if isinstance(facts.get("absent_members"), list) and "absent_text" in facts:
            facts["absent_text"] = ", ".join(str(m) for m in facts["absent_members"])
    officer = facts.get("officer")
    if isinstance(officer, str) and officer in people:
        facts["officer"] = people[officer]
    if isinstance(facts.get("measure"), str) and "measure_label" in facts:
        facts["measure_label"] = code_label("measure", facts["measure"])
    if isinstance(facts.get("missing"), list) and "missing_text" in facts:
        facts["missing_text"] = ", ".join(code_label("missing", m) for m in facts["missing"])
    if isinstance(facts.get("defects"), list) and "defects_text" in facts:
        facts["defects_text"] = "; ".join(_defect_label(d) for d in facts["defects"])
    if isinstance(facts.get("setting"), str):
        facts["setting"] = code_label("setting", facts["setting"])
    for key in COUNTRY_FIELDS & facts.keys():
        if isinstance(facts[key], str):
            facts[key] = country_name(facts[key])
    for key in LANGUAGE_FIELDS & facts.keys():
        if isinstance(facts[key], str):
            facts[key] = language_name(facts[key])
    return finding._replace(facts_used=facts)
