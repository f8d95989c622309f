from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "ikaze.support"
    label = "support"
    verbose_name = "Support payments"

    def ready(self) -> None:
        # Entitlements start at check-in: reception calls support's listener in its check-in
        # transaction without importing support (pyproject: "reception imports no support").
        from ikaze.agreements.selectors import register_support_money
        from ikaze.reception.services import register_check_in_listener
        from ikaze.support.selectors import agreement_support_money_row
        from ikaze.support.services import entitlements_on_check_in

        register_check_in_listener(entitlements_on_check_in)
        register_support_money(agreement_support_money_row)

        from ikaze.core import monitor_inbox
        from ikaze.support import inbox

        monitor_inbox.register("support", inbox.items)
