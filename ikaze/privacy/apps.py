from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "ikaze.privacy"
    label = "privacy"
    verbose_name = "Personal data"

    def ready(self) -> None:
        from ikaze.privacy import checks  # noqa: F401  (registers the system checks)
