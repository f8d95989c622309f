from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "ikaze.reports"
    label = "reports"
    verbose_name = "Reports"
