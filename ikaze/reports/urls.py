from django.urls import path

from ikaze.reports import public_views, views

app_name = "reports"
urlpatterns = [
    path("", views.index, name="index"),
    path("monthly/", views.monthly_list, name="monthly"),
    path("monthly/new/", views.monthly_make, name="monthly_make"),
    path("monthly/<uuid:report_id>/pdf/", views.monthly_pdf, name="monthly_pdf"),
    # Public statistics: no sign-in (ADR 0029; accounts.middleware.BEFORE_SECOND_FACTOR).
    path("public/", public_views.public_index, name="public_index"),
    path("public/<str:agreement_code>/", public_views.public_statistics, name="public_statistics"),
    path(
        "public/<str:agreement_code>/statistics.csv",
        public_views.public_statistics_csv,
        name="public_statistics_csv",
    ),
    path(
        "public/<str:agreement_code>/statistics.json",
        public_views.public_statistics_json,
        name="public_statistics_json",
    ),
]
for _name, (_page, _csv) in views.DASHBOARD_VIEWS.items():
    urlpatterns += [
        path(f"{_name}/", _page, name=_name),
        path(f"{_name}/csv/", _csv, name=f"{_name}_csv"),
    ]
