from django.urls import path

from ikaze.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.event_list, name="event_list"),
    path("events.csv", views.event_list_csv, name="event_list_csv"),
    path("events.xlsx", views.event_list_csv, {"fmt": "xlsx"}, name="event_list_xlsx"),
    path("verify/", views.verify, name="verify"),
    path("checkpoints/", views.checkpoint_list, name="checkpoint_list"),
    path("checkpoints.json", views.checkpoint_download, name="checkpoint_download"),
    path("export.jsonl", views.export, name="export"),
]
