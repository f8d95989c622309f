from django.apps import AppConfig


class ProtectionConfig(AppConfig):
    name = "ikaze.protection"
    label = "protection"
    verbose_name = "Protection"

    def ready(self) -> None:
        # SAFEGUARDS C1: complaints due, lock hits and flagged adverse actions reach the
        # monitor's inbox.
        from ikaze.core import monitor_inbox
        from ikaze.protection import inbox

        monitor_inbox.register("protection", inbox.items)
