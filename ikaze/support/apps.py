from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "ikaze.support"
    label = "support"
    verbose_name = "Support payments"
