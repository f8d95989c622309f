from django.apps import AppConfig


class MovementsConfig(AppConfig):
    name = "ikaze.movements"
    label = "movements"
    verbose_name = "Movements"

    def ready(self) -> None:
        # Issue 15: the reconciliation's incidents reach the monitor's inbox (SAFEGUARDS C1).
        from ikaze.core import monitor_inbox
        from ikaze.movements import inbox

        monitor_inbox.register("movements", inbox.items)
