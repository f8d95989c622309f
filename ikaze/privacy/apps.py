from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "ikaze.privacy"
    label = "privacy"
    verbose_name = "Personal data"

    def ready(self) -> None:
        from ikaze.core.worklist import register_export_guard
        from ikaze.privacy import checks  # noqa: F401  (registers the system checks)
        from ikaze.privacy.guard import export_refused_page

        # SAFEGUARDS D2 on every list export (CSV and XLSX): `core.worklist.export_response`
        # asks the registered guards before a byte leaves.
        register_export_guard(export_refused_page)
