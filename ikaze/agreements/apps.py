from django.apps import AppConfig


class AgreementsConfig(AppConfig):
    name = "ikaze.agreements"
    label = "agreements"
    verbose_name = "Agreements"
