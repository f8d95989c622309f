from django.urls import path

from ikaze.reports import public_views, views

app_name = "reports"
urlpatterns: list = [
    path("", views.index, name="index"),
    # Public statistics: no sign-in (ADR 00NN-h16b; accounts.middleware.BEFORE_SECOND_FACTOR).
    path("public/", public_views.public_index, name="public_index"),
    path("public/<str:code>/", public_views.public_statistics, name="public_statistics"),
    path(
        "public/<str:code>/statistics.csv",
        public_views.public_statistics_csv,
        name="public_statistics_csv",
    ),
    path(
        "public/<str:code>/statistics.json",
        public_views.public_statistics_json,
        name="public_statistics_json",
    ),
]
