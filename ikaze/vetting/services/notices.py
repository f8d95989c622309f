"""Decision and transfer notices (SAFEGUARDS A9): issued as PDF, then proof of service."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from typing import Any

from babel import Locale, UnknownLocaleError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext

from ikaze.accounts.access import Perm
from ikaze.accounts.actor import Actor
from ikaze.accounts.guards import require
from ikaze.agreements.selectors import agreement_notice_settings
from ikaze.audit.models import AuditEvent
from ikaze.audit.services import audit_record
from ikaze.core import clock
from ikaze.core.errors import Conflict, IllegalTransition, ValidationError
from ikaze.vetting import locks
from ikaze.vetting.errors import (
    FourEyes,
    NamedOfficerRequired,
    NoticeSettingsMissing,
    NoticeUntranslated,
)
from ikaze.vetting.lateness import service_recorded_late
from ikaze.vetting.legal_events import EventKind
from ikaze.vetting.models import Decision, LegalEventRecord, MonitorNotice, Notice, Referral
from ikaze.vetting.notices import (
    NoticeContext,
    NoticeKind,
    choose_template_language,
    render_notice,
)
from ikaze.vetting.rules import RefusalReason
from ikaze.vetting.services._common import (
    _lock,
    _notify_monitor,
    _receiving,
    _refusal_recorded,
    text_require,
)
from ikaze.vetting.services.acceptances import transfer_clearance_require
from ikaze.vetting.services.facts import _fact_record, _rescreen_person

# The language officers write their free-text reasons in (the product's source language): a
# notice in another language carries the reason's translation, or an interpreter's record.
OFFICE_LANGUAGE = "en"


def _language_name(code: str, in_language: str) -> str:
    try:
        return str(Locale.parse(in_language).languages.get(code) or code)
    except (ValueError, UnknownLocaleError):
        return code


def _notice_context(
    referral: Referral,
    *,
    actor: Actor,
    ref: str,
    today: dt.date,
    texts: dict[str, str],
    template_language: str,
    reason_text: str,
    reason_interpreted: bool,
    interpreter_name: str,
    interpreter_language: str,
) -> NoticeContext:
    decision = referral.decisions.select_related("officer").order_by("-decided_at").first()
    agreement = referral.agreement
    person = referral.person
    assert actor.user is not None
    role = actor.primary_role
    with translation.override(template_language):
        role_label = str(role.label) if role is not None else ""
    return NoticeContext(
        notice_ref=ref,
        person_name=person.full_name,
        person_reference=referral.external_reference or str(referral.pk)[:8],
        issued_on=today,
        destination=agreement.receiving_state,
        sending_state=agreement.sending_state,
        agreement_title=agreement.title,
        # The notice names the officer as a person, not by their sign-in name.
        officer_name=actor.user.get_full_name() or actor.label,
        officer_role=role_label,
        monitor_name=texts["monitor"],
        monitor_contact=texts["monitor_contact"],
        legal_advice_provider=texts["legal_aid_provider"],
        legal_advice_contact=texts["legal_aid_contact"],
        appeal_body=texts["appeal_body"],
        appeal_contact=texts["appeal_contact"],
        agreement_name=texts["agreement_name"],
        sending_authority=texts["sending_authority"],
        receiving_authority=texts["receiving_authority"],
        issuing_office=texts["issuing_office"],
        office_address=texts["address"],
        place=texts["place"],
        understood_languages=tuple(person.languages or ()),
        notice_period_days=agreement.notice_period_days,
        appeal_days=agreement.appeal_window_days,
        accepted=None if decision is None else decision.outcome == Decision.Outcome.ACCEPTED,
        decided_by=decision.officer_display if decision else "",
        reasons=tuple(RefusalReason(c) for c in (decision.reason_codes if decision else [])),
        reason_text=reason_text,
        reason_interpreted=reason_interpreted,
        interpreter_name=interpreter_name,
        interpreter_language=(
            _language_name(interpreter_language, template_language) if interpreter_name else ""
        ),
    )


@_refusal_recorded("notice.issue")
@transaction.atomic
def notice_issue(
    *,
    actor: Actor,
    referral: Referral,
    kind: str,
    reason_translation: str = "",
    interpreter_name: str = "",
    interpreter_language: str = "",
) -> Notice:
    """Render a decision or transfer notice as PDF in the person's language (SAFEGUARDS A9).

    Issue 11 item 14: everything the notice says is in its language. Where it cannot be (no
    template for the person's language, or a decision's free-text reason not translated into
    the notice's language: give `reason_translation`), the notice is issued only with an
    interpreter's record (`interpreter_name`, `interpreter_language` = the person's
    language); otherwise NoticeUntranslated. The agreement's notice settings must name the
    authorities, appeal body, legal aid and monitor in that language (NoticeSettingsMissing).
    """
    require(actor, Perm.NOTICE_ISSUE, target_type="referral", target_id=referral.pk)
    _receiving(actor, referral)
    if actor.user is None:
        raise NamedOfficerRequired(gettext("Notices are issued by a named officer."))
    try:
        kind = NoticeKind(kind).value
    except ValueError:
        raise ValidationError.for_field(
            "kind", gettext("%(kind)s is not a notice kind.") % {"kind": repr(kind)}
        ) from None
    reason_translation = (reason_translation or "").strip()
    interpreter_name = (interpreter_name or "").strip()
    interpreter_language = (interpreter_language or "").strip().lower()
    text_require(
        Notice,
        {
            "reason_translation": reason_translation,
            "interpreter_name": interpreter_name,
            "interpreter_language": interpreter_language,
        },
        fields={
            "interpreter_name": "issue_interpreter_name",
            "interpreter_language": "issue_interpreter_language",
        },
    )
    if bool(interpreter_name) != bool(interpreter_language):
        field = "interpreter_language" if interpreter_name else "interpreter_name"
        raise ValidationError.for_field(
            field, gettext("An interpreter's record names the interpreter and the language.")
        )
    locked = _lock(referral, actor=actor)
    if kind == NoticeKind.DECISION and locked.status not in (
        Referral.Status.ACCEPTED,
        Referral.Status.REFUSED,
    ):
        raise IllegalTransition(
            gettext("A decision notice needs a decision."),
            details={"kind": [gettext("No decision yet.")]},
        )
    if kind == NoticeKind.TRANSFER and locked.status != Referral.Status.ACCEPTED:
        raise IllegalTransition(
            gettext("A transfer notice is issued only to an accepted person."),
            details={"kind": [gettext("The person is not accepted.")]},
        )
    if kind == NoticeKind.TRANSFER:
        transfer_clearance_require(referral=locked)  # SAFEGUARDS F5
    languages = list(locked.person.languages or ())
    language = languages[0] if languages else "en"
    template_language, needs_translation = choose_template_language(language, tuple(languages))
    if interpreter_language and interpreter_language != language:
        raise ValidationError.for_field(
            "interpreter_language",
            gettext("The interpreter interprets into the person's language (%(language)s).")
            % {"language": language},
        )
    settings_ = agreement_notice_settings(locked.agreement)
    missing = settings_.missing(template_language) if settings_ is not None else ["notice_settings"]
    if missing:
        raise NoticeSettingsMissing(
            gettext(
                "The agreement's notice settings are not set in %(language)s: an administrator "
                "sets them on the agreement."
            )
            % {"language": template_language},
            details={"notice_settings": missing},
        )
    assert settings_ is not None
    interpreted = bool(interpreter_name)
    if needs_translation and not interpreted:
        raise NoticeUntranslated(
            gettext(
                "There is no notice text in %(language)s: record the interpreter who will "
                "interpret it (name and language)."
            )
            % {"language": language},
            details={"interpreter_name": [gettext("An interpreter is needed.")]},
        )
    decision = locked.decisions.order_by("-decided_at").first()
    written = decision.reason.strip() if decision is not None and kind == "decision" else ""
    # SAFEGUARDS B4: a refusal is reasoned in the person's language. An acceptance's note is
    # the officer's, not a reason the person must answer: printed only as translated.
    refused = decision is not None and decision.outcome == Decision.Outcome.REFUSED
    reason_text, reason_interpreted = written, False
    if written and template_language != OFFICE_LANGUAGE:
        if reason_translation:
            reason_text = reason_translation
        elif not refused:
            reason_text = ""
        elif interpreted:
            reason_interpreted = True
        else:
            raise NoticeUntranslated(
                gettext(
                    "The refusal's reason is written in English: give its translation into "
                    "the notice's language, or record the interpreter who interprets it."
                ),
                details={"reason_translation": [gettext("Translate the reason.")]},
            )
    elif reason_translation:
        raise ValidationError.for_field(
            "reason_translation", gettext("This notice has no reason to translate.")
        )
    today = clock.today_local()
    ref = f"N-{today:%Y%m%d}-{uuid.uuid4().hex[:8].upper()}"
    doc = render_notice(
        kind,
        language,
        _notice_context(
            locked,
            actor=actor,
            ref=ref,
            today=today,
            texts=settings_.texts(template_language),
            template_language=template_language,
            reason_text=reason_text,
            reason_interpreted=reason_interpreted,
            interpreter_name=interpreter_name,
            interpreter_language=interpreter_language,
        ),
    )
    notice = Notice.objects.create(
        referral=locked,
        kind=kind,
        notice_ref=ref,
        language=language,
        template_language=doc.template_language,
        needs_translation=doc.needs_translation,
        issue_interpreter_name=interpreter_name,
        issue_interpreter_language=interpreter_language,
        reason_translation=reason_text if reason_translation else "",
        destination=locked.agreement.receiving_state,
        pdf=doc.pdf,
        pdf_sha256=hashlib.sha256(doc.pdf).hexdigest(),
        issued_by=actor.user,
        issued_at=clock.now(),
    )
    audit_record(
        actor=actor,
        action="notice.issue",
        target_type="referral",
        target_id=locked.pk,
        after={
            "notice": str(notice.pk),
            "kind": kind,
            "language": language,
            "template_language": doc.template_language,
            "needs_translation": doc.needs_translation,
            "interpreter_name": interpreter_name,
            "interpreter_language": interpreter_language,
            "reason_translated": bool(reason_translation),
            "sha256": notice.pdf_sha256,
        },
    )
    return notice


@_refusal_recorded("notice.record_service")
@transaction.atomic
def notice_record_service(
    *,
    actor: Actor,
    notice: Notice,
    served_on_person_at: dt.datetime,
    proof_reference: str,
    served_on_counsel_at: dt.datetime | None = None,
    counsel_name: str = "",
    translation_recorded: bool = False,
    interpreter_language: str = "",
) -> Notice:
    """Record proof of service; the service becomes a `notice_served` fact the rules read (A9).

    SAFEGUARDS A9: the rule counts it only when served on the person (and counsel, if any) with
    proof and, where the text is not in a language the person understands, a translation or an
    interpreter is recorded.
    """
    require(actor, Perm.NOTICE_ISSUE, target_type="notice", target_id=notice.pk)
    _receiving(actor, notice.referral)
    errors: dict[str, list[str]] = {}
    proof_reference = (proof_reference or "").strip()
    counsel_name = (counsel_name or "").strip()
    interpreter_language = (interpreter_language or "").strip().lower()
    now = clock.now()
    if not proof_reference:
        errors["proof_reference"] = [gettext("The proof of service (reference) is required.")]
    text_require(
        Notice,
        {
            "proof_reference": proof_reference,
            "counsel_name": counsel_name,
            "interpreter_language": interpreter_language,
        },
        errors=errors,
    )
    if served_on_person_at is None or served_on_person_at > now:
        errors["served_on_person_at"] = [gettext("When the person was served (not in the future).")]
    if served_on_counsel_at is not None:
        if served_on_counsel_at > now:
            errors["served_on_counsel_at"] = [gettext("Not in the future.")]
        if not counsel_name:
            errors["counsel_name"] = [gettext("Name the counsel served.")]
    if errors:
        raise ValidationError(gettext("The proof of service is not valid."), details=errors)
    locked = locks.notice_lock(notice.pk)
    # SAFEGUARDS F3: a service time cannot precede the notice it serves.
    issued = gettext("Service cannot be before the notice was issued (%(issued_at)s).") % {
        "issued_at": locked.issued_at.astimezone(clock.local_zone()).strftime("%Y-%m-%d %H:%M")
    }
    if served_on_person_at < locked.issued_at:
        errors["served_on_person_at"] = [issued]
    if served_on_counsel_at is not None and served_on_counsel_at < locked.issued_at:
        errors["served_on_counsel_at"] = [issued]
    if errors:
        raise ValidationError(gettext("The proof of service is not valid."), details=errors)
    if locked.served_on_person_at is not None:
        raise Conflict(
            gettext("Service of this notice is already recorded."),
            details={"notice": [gettext("Already served.")]},
        )
    # SAFEGUARDS F3: service recorded long after it happened counts only once a second
    # officer confirms it (notice_confirm_service records the fact then).
    earliest_service = min(t for t in (served_on_person_at, served_on_counsel_at) if t is not None)
    late = service_recorded_late(served_at=earliest_service, recorded_at=now)
    payload: dict[str, Any] = {
        "notice_ref": locked.notice_ref,
        "notice_kind": locked.kind,
        "destination_country": locked.destination,
        "language": locked.language,
        "template_language": locked.template_language,
        "translation_recorded": translation_recorded,
        "interpreter_language": interpreter_language or None,
        "served_on_person": True,
        "served_on_counsel": served_on_counsel_at is not None,
        "counsel_name": counsel_name or None,
        "proof_reference": proof_reference,
    }
    event = (
        None
        if late
        else _service_fact(
            actor=actor, notice=locked, payload=payload, served_at=served_on_person_at
        )
    )
    locked.served_on_person_at = served_on_person_at
    locked.served_on_counsel_at = served_on_counsel_at
    locked.counsel_name = counsel_name
    locked.proof_reference = proof_reference
    locked.translation_recorded = translation_recorded
    locked.interpreter_language = interpreter_language
    locked.service_event = event
    locked.service_recorded_by = actor.user
    locked.service_recorded_at = now
    locked.service_late = late
    locked.save(
        update_fields=[
            "served_on_person_at",
            "served_on_counsel_at",
            "counsel_name",
            "proof_reference",
            "translation_recorded",
            "interpreter_language",
            "service_event",
            "service_recorded_by",
            "service_recorded_at",
            "service_late",
            "updated_at",
        ]
    )
    audit_record(
        actor=actor,
        action="notice.record_service",
        target_type="referral",
        target_id=locked.referral_id,
        after={
            "notice": str(locked.pk),
            "served_on_counsel": served_on_counsel_at is not None,
            "translation_recorded": translation_recorded,
            "interpreter_language": interpreter_language,
            "event": str(event.pk) if event is not None else None,
            "late": late,
        },
        reason=proof_reference,
    )
    if event is not None:
        _rescreen_person(actor=actor, person_id=locked.referral.person_id, cause=event)
    if late:
        _notify_monitor(
            actor=actor,
            kind=MonitorNotice.Kind.FACT_LATE,
            referral=locked.referral,
            message=gettext(
                "Service of notice %(notice_ref)s on %(served_at)s was recorded on "
                "%(recorded_at)s by %(by)s; it counts only once a second officer confirms it."
            )
            % {
                "notice_ref": locked.notice_ref,
                "served_at": _local(earliest_service),
                "recorded_at": _local(now),
                "by": actor.label,
            },
        )
    return locked


def _local(moment: dt.datetime) -> str:
    return moment.astimezone(clock.local_zone()).strftime("%Y-%m-%d %H:%M")


def _service_payload(notice: Notice) -> dict[str, Any]:
    return {
        "notice_ref": notice.notice_ref,
        "notice_kind": notice.kind,
        "destination_country": notice.destination,
        "language": notice.language,
        "template_language": notice.template_language,
        "translation_recorded": notice.translation_recorded,
        "interpreter_language": notice.interpreter_language or None,
        "served_on_person": True,
        "served_on_counsel": notice.served_on_counsel_at is not None,
        "counsel_name": notice.counsel_name or None,
        "proof_reference": notice.proof_reference,
    }


def _service_fact(
    *, actor: Actor, notice: Notice, payload: dict[str, Any], served_at: dt.datetime
) -> LegalEventRecord:
    """The `notice_served` fact A9 reads: only ever written here (SAFEGUARDS F3)."""
    return _fact_record(
        actor=actor,
        referral=notice.referral,
        kind=EventKind.NOTICE_SERVED.value,
        payload=payload,
        effective_at=served_at.astimezone(clock.local_zone()).date(),
        source_document=payload["proof_reference"],
        # A late service was already told to the monitor when it was recorded.
        flag_late=False,
        # The caller re-screens once the notice points to the fact (A9 reads that link).
        rescreen=False,
    )


@_refusal_recorded("notice.confirm_service")
@transaction.atomic
def notice_confirm_service(*, actor: Actor, notice: Notice, justification: str) -> Notice:
    """Confirm, as a second named officer, a service recorded late (saying how the proof was
    checked); it counts for A9 from now (SAFEGUARDS F3)."""
    require(actor, Perm.NOTICE_ISSUE, target_type="notice", target_id=notice.pk)
    _receiving(actor, notice.referral)
    if actor.user is None or actor.token is not None:
        raise NamedOfficerRequired(gettext("A late service is confirmed by a named officer."))
    justification = (justification or "").strip()
    if not justification:
        raise ValidationError.for_field(
            "justification", gettext("Say how the proof of service was checked.")
        )
    # Kept as the audit event's reason (free text).
    text_require(AuditEvent, {"justification": justification}, fields={"justification": "reason"})
    locked = locks.notice_lock(notice.pk)
    if not locked.awaiting_confirmation:
        raise IllegalTransition(
            gettext("This notice has no service waiting for confirmation."),
            details={"notice": [gettext("Nothing to confirm.")]},
        )
    if locked.service_recorded_by_id == actor.user.pk:
        raise FourEyes(
            gettext("A late service is confirmed by a different officer."),
            details={"confirmed_by": [gettext("You recorded this service.")]},
        )
    assert locked.served_on_person_at is not None
    event = _service_fact(
        actor=actor,
        notice=locked,
        payload=_service_payload(locked),
        served_at=locked.served_on_person_at,
    )
    locked.service_event = event
    locked.service_confirmed_by = actor.user
    locked.service_confirmed_at = clock.now()
    locked.save(
        update_fields=[
            "service_event",
            "service_confirmed_by",
            "service_confirmed_at",
            "updated_at",
        ]
    )
    audit_record(
        actor=actor,
        action="notice.confirm_service",
        target_type="referral",
        target_id=locked.referral_id,
        after={
            "notice": str(locked.pk),
            "event": str(event.pk),
            "proof_reference": locked.proof_reference,
        },
        reason=justification,
    )
    _rescreen_person(actor=actor, person_id=locked.referral.person_id, cause=event)
    return locked
