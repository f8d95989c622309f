from django.urls import path

from ikaze.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.index, name="index"),
    path("monthly/", views.monthly_list, name="monthly"),
    path("monthly/new/", views.monthly_make, name="monthly_make"),
    path("monthly/<uuid:report_id>/pdf/", views.monthly_pdf, name="monthly_pdf"),
]
for _name, (_page, _csv) in views.DASHBOARD_VIEWS.items():
    urlpatterns += [
        path(f"{_name}/", _page, name=_name),
        path(f"{_name}/csv/", _csv, name=f"{_name}_csv"),
    ]
