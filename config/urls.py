from django.urls import include, path

from config.api import api
from ikaze.accounts.views import home

urlpatterns = [
    path("", home, name="home"),
    path("accounts/", include("ikaze.accounts.urls")),
    path("audit/", include("ikaze.audit.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    # The Mojaloop switch's callbacks (FSPIOP), outside /api/v1 (ADR 0025).
    path("fspiop/", include("ikaze.support.providers.fspiop_callbacks")),
]


def _optional(app: str) -> None:
    from importlib import import_module

    try:
        import_module(f"ikaze.{app}.urls")
    except ModuleNotFoundError as exc:
        if exc.name != f"ikaze.{app}.urls":
            raise
        return
    urlpatterns.append(path(f"{app}/", include(f"ikaze.{app}.urls")))


for _app in (
    "agreements",
    "people",
    "intake",
    "vetting",
    "documents",
    "movements",
    "reception",
    "support",
    "protection",
    "privacy",
    "reports",
):
    _optional(_app)

handler403 = "ikaze.core.views.permission_denied"
handler404 = "ikaze.core.views.page_not_found"
handler500 = "ikaze.core.views.server_error"
