from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "ikaze.audit"
    label = "audit"
    verbose_name = "Audit"

    def ready(self) -> None:
        from ikaze.audit import checks  # noqa: F401  (registers the system checks)
