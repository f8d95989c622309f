from django.urls import path

from ikaze.people import views

app_name = "people"
urlpatterns = [
    path("", views.person_list, name="person_list"),
    path("export.csv", views.person_list_export, name="person_list_csv"),
    path("export.xlsx", views.person_list_export, {"fmt": "xlsx"}, name="person_list_xlsx"),
    path("match-check/", views.match_check, name="match_check"),
    path("duplicates/", views.match_queue, name="match_queue"),
    path("duplicates/<uuid:matchcandidate_id>/", views.match_detail, name="match_detail"),
    path("<uuid:person_id>/", views.person_detail, name="person_detail"),
]
