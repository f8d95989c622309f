from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "ikaze.intake"
    label = "intake"
    verbose_name = "Intake"
