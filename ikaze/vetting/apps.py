from django.apps import AppConfig


class VettingConfig(AppConfig):
    name = "ikaze.vetting"
    label = "vetting"
    verbose_name = "Vetting"

    def ready(self) -> None:
        # The landing page's "what waits for you" counts for this app's entries.
        from ikaze.vetting import landing

        landing.register()
        # SAFEGUARDS F4: a household member added or a person's data corrected evaluates the
        # household's open and accepted referrals again, in the same transaction.
        from ikaze.people.services import register_people_observer
        from ikaze.vetting.services.households import people_changed

        register_people_observer(people_changed)
        # Issue 9 item 10: the person registry keeps to the agreements the reader is party to.
        from ikaze.people.selectors import register_party_people
        from ikaze.vetting.selectors import people_of_party_referrals

        register_party_people(people_of_party_referrals)
        # Issue 11 item 13: the person page lists the person's referrals.
        from ikaze.people.selectors import register_person_referrals
        from ikaze.vetting.selectors import person_referrals

        register_person_referrals(person_referrals)
        # Issue 11 item 10: the audit log names referrals and finds them by name.
        from ikaze.audit.targets import TargetKind, register_target_kind
        from ikaze.vetting.selectors import referral_audit_names, referrals_named

        register_target_kind("referral", TargetKind(referral_audit_names, referrals_named))
        # Issue 11 item 3: documents attached to referrals, facts, notices and messages are
        # read and attached as this app scopes those records.
        from ikaze.vetting import attachments

        attachments.register()
        # Issue 15: what the monitor's inbox lists from this app (SAFEGUARDS C1).
        from ikaze.core import monitor_inbox
        from ikaze.vetting import inbox

        monitor_inbox.register("vetting", inbox.items)
