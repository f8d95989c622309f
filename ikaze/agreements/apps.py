from django.apps import AppConfig


class AgreementsConfig(AppConfig):
    name = "ikaze.agreements"
    label = "agreements"
    verbose_name = "Agreements"

    def ready(self) -> None:
        # Issue 11 item 10: the audit log names agreements.
        from ikaze.agreements.selectors import agreement_audit_names
        from ikaze.audit.targets import TargetKind, register_target_kind

        register_target_kind("agreement", TargetKind(agreement_audit_names))
        # Issue 15: what the monitor's inbox lists from this app (SAFEGUARDS C1).
        from ikaze.agreements import inbox
        from ikaze.core import monitor_inbox

        monitor_inbox.register("agreements", inbox.items)
