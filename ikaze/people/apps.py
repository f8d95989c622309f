from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "ikaze.people"
    label = "people"
    verbose_name = "People"

    def ready(self) -> None:
        # The landing page's "what waits for you" counts for this app's entries.
        from ikaze.people import landing

        landing.register()
        # Issue 11 item 3: a person's documents are read and attached as the registry scopes
        # the person.
        from ikaze.people.services import register_person_documents

        register_person_documents()
