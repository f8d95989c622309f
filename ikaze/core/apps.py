from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "ikaze.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from django.conf.locale import LANG_INFO

        # Django ships no Kinyarwanda locale; teach it the language's name so the
        # switcher and get_language_info() work. Translations come from our .po files.
        LANG_INFO.setdefault(
            "rw", {"bidi": False, "code": "rw", "name": "Kinyarwanda", "name_local": "Ikinyarwanda"}
        )
        from ikaze.core import checks  # noqa: F401  (registers system checks)
