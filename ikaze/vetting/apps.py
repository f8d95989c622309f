from django.apps import AppConfig


class VettingConfig(AppConfig):
    name = "ikaze.vetting"
    label = "vetting"
    verbose_name = "Vetting"

    def ready(self) -> None:
        # The landing page's "what waits for you" counts for this app's entries.
        from ikaze.vetting import landing

        landing.register()
