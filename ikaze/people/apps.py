from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "ikaze.people"
    label = "people"
    verbose_name = "People"

    def ready(self) -> None:
        # The landing page's "what waits for you" counts for this app's entries.
        from ikaze.people import landing

        landing.register()
