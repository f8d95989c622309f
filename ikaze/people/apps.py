from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "ikaze.people"
    label = "people"
    verbose_name = "People"

    def ready(self) -> None:
        # The landing page's "what waits for you" counts for this app's entries.
        from ikaze.people import landing

        landing.register()
        # Issue 11 item 10: the audit log names people and pairs, and finds people by name.
        from ikaze.audit.targets import TargetKind, register_target_kind
        from ikaze.people.selectors import (
            match_candidate_audit_names,
            people_named,
            person_audit_names,
        )

        register_target_kind("person", TargetKind(person_audit_names, people_named))
        register_target_kind("match_candidate", TargetKind(match_candidate_audit_names))
        # Issue 11 item 3: a person's documents are read and attached as the registry scopes
        # the person.
        from ikaze.people.services import register_person_documents

        register_person_documents()
