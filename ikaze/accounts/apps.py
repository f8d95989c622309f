from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "ikaze.accounts"
    label = "accounts"
    verbose_name = "Accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Issue 11 item 10: the audit log names the people who hold accounts.
        from ikaze.accounts.selectors import user_audit_names
        from ikaze.audit.targets import TargetKind, register_target_kind

        register_target_kind("user", TargetKind(user_audit_names))
