"""What the pages show for an audit event's action code, in the reader's language.

The chain stores the code (`referral.accept`, `refused:override.second`, `denied:<perm>`,
`<target>.read`); exports, the API and the filters keep using it. A person reads the label,
and the audit log shows the code beside it for auditors. A code without a label is shown as
it is, so a new action is never hidden (tests/test_labels.py scans the source for every action
the services record and checks each has a label here).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ikaze.accounts.access import Perm

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise as Label

ACTIONS: dict[str, Label] = {
    # accounts
    "organisation.create": _("Organisation created"),
    "user.create": _("User created"),
    "membership.grant": _("Role granted"),
    "membership.revoke": _("Role revoked"),
    "api_token.issue": _("API token issued"),
    "api_token.revoke": _("API token revoked"),
    "api_token.use": _("API token used"),
    "login.failed": _("Sign-in failed"),
    "login.locked_out": _("Sign-in locked after repeated failures"),
    "two_factor.failed": _("Two-factor code rejected"),
    "two_factor.enrol": _("Authenticator enrolled"),
    "account.enrolment_link.issue": _("Enrolment link issued"),
    "account.enrol": _("Account set up through its enrolment link"),
    "credential_notice.read": _("Credential notices viewed"),
    # agreements
    "agreement.create": _("Agreement created"),
    "agreement.update": _("Agreement updated"),
    "agreement.transition": _("Agreement status changed"),
    "agreement.tranche.add": _("Cap period added"),
    "agreement.support_item.add": _("Support item added"),
    "agreement.compensation_line.add": _("Compensation line added"),
    "agreement.payment.record": _("Payment recorded"),
    "agreement.payment.reverse": _("Payment reversed"),
    "agreement.notice_settings.set": _("Notice settings set"),
    # audit
    "audit.export": _("Audit log exported"),
    # people and intake
    "person.create": _("Person record created"),
    "person.update": _("Person record updated"),
    "household.member_add": _("Household member added"),
    "match_candidate.propose": _("Possible duplicate proposed"),
    "match_candidate.same": _("Records confirmed as the same person"),
    "match_candidate.not_same": _("Records confirmed as different people"),
    "intake_batch.create": _("Manifest uploaded"),
    "intake_batch.fail": _("Manifest could not be read"),
    "intake_batch.import": _("Manifest imported"),
    # referrals
    "referral.create": _("Referral created"),
    "referral.submit": _("Referral submitted"),
    "referral.withdraw": _("Referral withdrawn"),
    "referral.start_review": _("Review started"),
    "referral.request_information": _("Information requested"),
    "referral.answer_information": _("Information request answered"),
    "document.upload": _("Document uploaded"),
    "referral.expire": _("Referral expired"),
    "referral.acceptance_use": _("Acceptance used: the person boarded"),
    "referral.evaluate": _("Safeguards evaluated"),
    "referral.rescreen": _("Referrals screened again with the rules in force"),
    "referral.accept": _("Referral accepted"),
    "referral.refuse": _("Referral refused"),
    # vetting
    "decision.accept": _("Acceptance decision recorded"),
    "decision.refuse": _("Refusal decision recorded"),
    "legal_fact.record": _("Legal fact recorded"),
    "alert.raise": _("Alert raised"),
    "alert.resolve": _("Alert resolved"),
    "alert.close": _("Alert closed: the acceptance ended"),
    "decision.release_place": _("Place under the cap given back"),
    "household.reevaluate": _("Household evaluated again"),
    "override.request": _("Override requested"),
    "override.second": _("Override approved by a second officer"),
    "override.decline": _("Override declined"),
    "override.close": _("Override request closed"),
    "override.ask": _("Override asked of a senior officer"),
    "override.ask_take_up": _("Override ask taken up by a senior officer"),
    "override.ask_decline": _("Override ask declined"),
    "monitor.notify": _("Independent monitor notified"),
    "notice.issue": _("Notice issued"),
    "notice.record_service": _("Notice service recorded"),
    "notice.confirm_service": _("Late notice service confirmed by a second officer"),
    "fact_removal.request": _("Removal of a protective fact requested"),
    "fact_removal.second": _("Removal of a protective fact seconded"),
    "fact_removal.decline": _("Removal of a protective fact declined"),
    # reads of protected data (SAFEGUARDS C1)
    "referral.read": _("Referral viewed"),
    "person.read": _("Person record viewed"),
    "person.sensitive.read": _("Sensitive data viewed"),
    "legal_event.read": _("Legal facts viewed"),
    "fact_removal.read": _("Removal requests of protective facts viewed"),
    "notice.read": _("Notice viewed"),
    "document.read": _("Document downloaded"),
    "route.read": _("Page or API read by a monitor"),
    # refused attempts (vetting services record what they refuse)
    "refused:monthly_report.request": _("Refused: asking for a monthly report"),
    "refused:monthly_report.make": _("Refused: making a monthly report"),
    "refused:referral.accept": _("Refused: accepting the referral"),
    "refused:referral.refuse": _("Refused: refusing the referral"),
    "refused:referral.rescreen": _("Refused: screening referrals again"),
    "refused:referral.start_review": _("Refused: taking the referral into review"),
    "refused:referral.request_information": _("Refused: asking for more information"),
    "refused:referral.expire": _("Refused: closing the referral as expired"),
    "refused:referral.answer_information": _("Refused: answering a request for information"),
    "refused:document.upload": _("Refused: uploading a document"),
    "refused:referral.evaluate": _("Refused: evaluating the referral"),
    "refused:legal_fact.record": _("Refused: recording a legal fact"),
    "refused:alert.resolve": _("Refused: resolving an alert"),
    "refused:override.request": _("Refused: requesting an override"),
    "refused:override.second": _("Refused: approving an override"),
    "refused:override.decline": _("Refused: declining an override"),
    "refused:override.ask": _("Refused: asking for an override"),
    "refused:override.ask_decline": _("Refused: declining an ask for an override"),
    "refused:notice.issue": _("Refused: issuing a notice"),
    "refused:notice.record_service": _("Refused: recording a notice's service"),
    "refused:notice.confirm_service": _("Refused: confirming a notice's late service"),
    "refused:fact_removal.request": _("Refused: requesting the removal of a protective fact"),
    "refused:fact_removal.second": _("Refused: seconding the removal of a protective fact"),
    "refused:fact_removal.decline": _("Refused: declining the removal of a protective fact"),
    "denied": _("Permission denied"),
    "probe:out_of_scope": _(
        "Lookup of a record outside the actor's scope (its organisation or its agreements)"
    ),
    # accounts kept by administrators, movements and reception (issues 11 and 13)
    "account.password_change": _("Own password changed"),
    "account.password_reset": _("Password reset by an administrator"),
    "account.unlock": _("Sign-in unlocked by an administrator"),
    "enrol.wrong_password": _("Wrong current password on an enrolment link"),
    "password_change.wrong_password": _("Wrong current password when changing it"),
    "two_factor.reset": _("Second factor reset by an administrator"),
    "user.update": _("Account details changed"),
    "user.deactivate": _("Account deactivated"),
    "user.reactivate": _("Account reactivated"),
    "facility.create": _("Facility created"),
    "unit.add": _("Unit added"),
    "unit.set_status": _("Unit status changed"),
    "incident.open": _("Incident opened"),
    "incident.explain": _("Incident explained"),
    "manifest.add": _("People added to a manifest"),
    "manifest.lock": _("Manifest locked"),
    "manifest_entry.check_in": _("Arrival checked in"),
    "monthly_report.request": _("Monthly report asked for"),
    "monthly_report.make": _("Monthly report made"),
    "monthly_report.read": _("Monthly report downloaded"),
    "movement.propose": _("Movement proposed"),
    "movement.depart": _("Movement departed"),
    "movement.arrive": _("Movement arrived"),
    "movement.cancel": _("Movement cancelled"),
    "stay.check_in": _("Checked in"),
    "stay.check_out": _("Checked out"),
    "stay.transfer": _("Moved to another unit"),
    "refused:facility.create": _("Refused: creating a facility"),
    "refused:incident.explain": _("Refused: explaining an incident"),
    "refused:manifest.add": _("Refused: adding people to a manifest"),
    "refused:manifest.lock": _("Refused: locking a manifest"),
    "refused:movement.arrive": _("Refused: recording an arrival"),
    "refused:movement.cancel": _("Refused: cancelling a movement"),
    "refused:movement.depart": _("Refused: recording a departure"),
    "refused:movement.incidents_refresh": _("Refused: checking a movement for incidents"),
    "refused:movement.propose": _("Refused: proposing a movement"),
    "refused:stay.check_in": _("Refused: checking in"),
    "refused:stay.check_out": _("Refused: checking out"),
    "refused:stay.transfer": _("Refused: moving to another unit"),
    "refused:unit.add": _("Refused: adding a unit"),
    "refused:unit.set_status": _("Refused: changing a unit's status"),
    # reports
    "public_release.publish": _("Public statistics published"),
}

PERMISSIONS: dict[str, Label] = {
    Perm.AGREEMENT_VIEW: _("view agreements"),
    Perm.AGREEMENT_MANAGE: _("manage agreements"),
    Perm.AGREEMENT_SUSPEND: _("suspend agreements"),
    Perm.AGREEMENT_TRANSITION: _("change an agreement's status"),
    Perm.INTERSTATE_PAYMENT_RECORD: _("record inter-state payments"),
    Perm.AUDIT_VIEW: _("view the audit log"),
    Perm.AUDIT_EXPORT: _("export the audit log"),
    Perm.USER_MANAGE: _("manage users"),
    Perm.TOKEN_MANAGE: _("manage API tokens"),
    Perm.CREDENTIAL_NOTICE_VIEW: _("read credential notices"),
    # Not a permission of the matrix: the party rule of agreements (agreements.parties).
    "agreement.party": _("act on an agreement of another state"),
    Perm.PERSON_VIEW: _("view people"),
    Perm.SENSITIVE_VIEW: _("view sensitive data"),
    Perm.MATCH_ADJUDICATE: _("decide possible duplicates"),
    Perm.REFERRAL_VIEW: _("view referrals"),
    Perm.REFERRAL_CREATE: _("create referrals"),
    Perm.INTAKE_UPLOAD: _("upload manifests"),
    Perm.INTAKE_VIEW: _("read manifest imports"),
    Perm.MATCH_VIEW: _("read possible duplicates"),
    Perm.FACT_RECORD: _("record legal facts"),
    Perm.REFERRAL_DECIDE: _("decide referrals"),
    Perm.OVERRIDE_REQUEST: _("request overrides"),
    Perm.OVERRIDE_APPROVE: _("approve overrides"),
    Perm.NOTICE_ISSUE: _("issue notices"),
    Perm.QUEUE_VIEW: _("read the vetting queue"),
    Perm.OVERRIDE_VIEW: _("read override requests"),
    Perm.MONITOR_NOTICE_VIEW: _("read the monitor's notices"),
    Perm.DOCUMENT_VIEW: _("download documents"),
    Perm.DOCUMENT_UPLOAD: _("upload documents"),
    Perm.MOVEMENT_VIEW: _("read movements"),
    Perm.MOVEMENT_PROPOSE: _("propose movements"),
    Perm.MANIFEST_LOCK: _("lock manifests"),
    Perm.MOVEMENT_BOARD: _("record boarding"),
    Perm.MOVEMENT_ARRIVE: _("record arrivals"),
    Perm.INCIDENT_EXPLAIN: _("explain incidents"),
    Perm.FACILITY_VIEW: _("read facilities"),
    Perm.FACILITY_MANAGE: _("manage facilities"),
    Perm.STAY_MANAGE: _("check people in and out"),
    Perm.REPORT_VIEW: _("open the reports"),
    Perm.REPORT_VETTING_VIEW: _("read the vetting dashboard"),
    Perm.REPORT_MOVEMENTS_VIEW: _("read the movements dashboard"),
    Perm.REPORT_AGREEMENTS_VIEW: _("read the agreements dashboard"),
    Perm.REPORT_MONITOR_VIEW: _("read the monitoring dashboard"),
    Perm.MONTHLY_REPORT_VIEW: _("read the monthly reports"),
    Perm.MONTHLY_REPORT_MAKE: _("make a monthly report"),
}


def action_label(code: str) -> str:
    """The label of an audit action in the active language; the code itself when unknown."""
    label = ACTIONS.get(code)
    if label is not None:
        return str(label)
    if code.startswith("denied:"):
        perm = code.removeprefix("denied:")
        return gettext("Permission denied: %(permission)s") % {
            "permission": PERMISSIONS.get(perm, perm)
        }
    if code.startswith("refused:"):
        return gettext("Refused: %(action)s") % {"action": code.removeprefix("refused:")}
    return code
