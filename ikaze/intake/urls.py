from django.urls import path

from ikaze.intake import views

app_name = "intake"
urlpatterns = [
    path("", views.batch_list, name="batch_list"),
    path("export.csv", views.batch_list_export, name="batch_list_csv"),
    path("export.xlsx", views.batch_list_export, {"fmt": "xlsx"}, name="batch_list_xlsx"),
    path("template.csv", views.template_csv, name="template_csv"),
    path("template.xlsx", views.template_xlsx, name="template_xlsx"),
    path("<uuid:intakebatch_id>/", views.batch_detail, name="batch_detail"),
    path("<uuid:intakebatch_id>/progress/", views.batch_progress, name="batch_progress"),
    path("<uuid:intakebatch_id>/errors.csv", views.batch_errors_csv, name="batch_errors_csv"),
]
