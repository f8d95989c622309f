from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "ikaze.intake"
    label = "intake"
    verbose_name = "Intake"

    def ready(self) -> None:
        # Issue 11 item 10: the audit log names manifests by their file.
        from ikaze.audit.targets import TargetKind, register_target_kind
        from ikaze.intake.selectors import batch_audit_names

        register_target_kind("intake_batch", TargetKind(batch_audit_names))
