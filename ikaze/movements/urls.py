from django.urls import path

from ikaze.movements import views

app_name = "movements"
urlpatterns = [
    path("", views.movement_board, name="board"),
    path("export.csv", views.movement_board_export, name="board_csv"),
    path("export.xlsx", views.movement_board_export, {"fmt": "xlsx"}, name="board_xlsx"),
    path("new/", views.movement_propose, name="propose"),
    path("incidents/", views.incident_list, name="incidents"),
    path("incidents/export.csv", views.incident_list_export, name="incidents_csv"),
    path(
        "incidents/export.xlsx", views.incident_list_export, {"fmt": "xlsx"}, name="incidents_xlsx"
    ),
    path("incidents/<uuid:pk>/explain/", views.incident_explain, name="incident_explain"),
    path("<uuid:pk>/", views.movement_detail, name="detail"),
    path("<uuid:pk>/add/", views.manifest_add, name="add"),
    path("<uuid:pk>/lock/", views.manifest_lock, name="lock"),
    path("<uuid:pk>/depart/", views.movement_depart, name="depart"),
    path("<uuid:pk>/arrive/", views.movement_arrive, name="arrive"),
    path("<uuid:pk>/cancel/", views.movement_cancel, name="cancel"),
    path("<uuid:pk>/manifest.pdf", views.manifest_pdf, name="pdf"),
    path("<uuid:pk>/paxlst/", views.manifest_paxlst, name="paxlst"),
    path("<uuid:pk>/paxlst/import/", views.paxlst_import, name="paxlst_import"),
]
