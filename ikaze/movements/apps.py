from django.apps import AppConfig


class MovementsConfig(AppConfig):
    name = "ikaze.movements"
    label = "movements"
    verbose_name = "Movements"
