"""Vetting writes, one module per topic, imported from here (`from ikaze.vetting import services`).

- referrals: the sending state refers people (create, submit, withdraw, bulk from a manifest);
  the receiving state takes them into review or asks for information.
- evaluations: the safeguard rules run on a referral at a stage (one path for every stage).
- facts: legal facts on a person's timeline, the re-screening they trigger, alerts.
- fact_removals: two officers take a protective fact away (SAFEGUARDS F1).
- decisions: a named officer accepts or refuses one person (SAFEGUARDS A5, A6).
- overrides: two senior officers lift a non-absolute block; a vetting officer asks them to.
- notices: decision and transfer notices and their proof of service (SAFEGUARDS A9).
- acceptances: what follows every status change (the place under the cap, alerts, the
  household), the expiry of acceptances (A5, A6, F5); households: F4.

`Referral.status` changes only in these modules, along `REFERRAL_TRANSITIONS`, each change
audited in the same transaction.
"""

from ikaze.vetting.errors import (
    AlertOpen,
    AlreadyReferred,
    BlockStands,
    FourEyes,
    IncompleteReferral,
    OverrideRefused,
    SeniorOfficerRequired,
)
from ikaze.vetting.services._common import DECIDABLE, approved_override_rules
from ikaze.vetting.services.acceptances import (
    SYSTEM_EXPIRY,
    acceptances_due,
    acceptances_expire,
    acceptances_use,
    referral_blocks_standing,
)
from ikaze.vetting.services.decisions import referral_accept, referral_refuse
from ikaze.vetting.services.evaluations import (
    evaluation_run,
    latest_evaluation,
    referral_evaluate,
    referrals_rescreen,
    referrals_screen_for_movement,
    referrals_to_rescreen,
)
from ikaze.vetting.services.fact_removals import (
    fact_removal_decline,
    fact_removal_request,
    fact_removal_second,
    removal_summary,
)
from ikaze.vetting.services.facts import alert_resolve, legal_fact_record
from ikaze.vetting.services.messages import (
    monitor_tell_household_split,
    referral_information_answer,
    referral_movement_notice_write,
)
from ikaze.vetting.services.notices import (
    notice_confirm_service,
    notice_issue,
    notice_record_service,
)
from ikaze.vetting.services.overrides import (
    override_ask,
    override_ask_decline,
    override_decline,
    override_request,
    override_second,
)
from ikaze.vetting.services.referrals import (
    BulkReferralIn,
    HouseholdIn,
    referral_create,
    referral_expire,
    referral_missing_data,
    referral_refer_person,
    referral_request_information,
    referral_start_review,
    referral_submit,
    referral_withdraw,
    referrals_submit_bulk,
)

__all__ = [
    "DECIDABLE",
    "SYSTEM_EXPIRY",
    "AlertOpen",
    "AlreadyReferred",
    "BlockStands",
    "BulkReferralIn",
    "FourEyes",
    "HouseholdIn",
    "IncompleteReferral",
    "OverrideRefused",
    "SeniorOfficerRequired",
    "acceptances_due",
    "acceptances_expire",
    "acceptances_use",
    "alert_resolve",
    "approved_override_rules",
    "evaluation_run",
    "fact_removal_decline",
    "fact_removal_request",
    "fact_removal_second",
    "latest_evaluation",
    "legal_fact_record",
    "monitor_tell_household_split",
    "notice_confirm_service",
    "notice_issue",
    "notice_record_service",
    "override_ask",
    "override_ask_decline",
    "override_decline",
    "override_request",
    "override_second",
    "referral_accept",
    "referral_blocks_standing",
    "referral_create",
    "referral_evaluate",
    "referral_expire",
    "referral_information_answer",
    "referral_missing_data",
    "referral_movement_notice_write",
    "referral_refer_person",
    "referral_refuse",
    "referral_request_information",
    "referral_start_review",
    "referral_submit",
    "referral_withdraw",
    "referrals_rescreen",
    "referrals_screen_for_movement",
    "referrals_submit_bulk",
    "referrals_to_rescreen",
    "removal_summary",
]
