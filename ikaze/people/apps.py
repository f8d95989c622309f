from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "ikaze.people"
    label = "people"
    verbose_name = "People"
