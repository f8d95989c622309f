from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "ikaze.audit"
    label = "audit"
    verbose_name = "Audit"
