from django.apps import AppConfig


class ReceptionConfig(AppConfig):
    name = "ikaze.reception"
    label = "reception"
    verbose_name = "Reception"
