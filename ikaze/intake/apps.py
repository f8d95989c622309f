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
        # Issue 11 item 13: a possible duplicate found by an import names the manifest's file.
        from ikaze.intake.selectors import batch_file_names_by_prefix
        from ikaze.people.selectors import register_source_names

        register_source_names(batch_file_names_by_prefix)
