from django.apps import AppConfig


class VettingConfig(AppConfig):
    name = "ikaze.vetting"
    label = "vetting"
    verbose_name = "Vetting"
