from django.urls import path

from ikaze.reception import views

app_name = "reception"
urlpatterns = [
    path("", views.facility_list, name="facility_list"),
    path("export.csv", views.facility_list_export, name="facility_list_csv"),
    path("export.xlsx", views.facility_list_export, {"fmt": "xlsx"}, name="facility_list_xlsx"),
    path("new/", views.facility_create, name="facility_create"),
    path("desk/", views.desk, name="desk"),
    path("allocation/", views.allocation_review, name="allocation"),
    path("desk/check-in/", views.desk_check_in, name="desk_check_in"),
    path("needs/<uuid:person_id>/", views.arrival_needs, name="arrival_needs"),
    path("<uuid:facility_id>/", views.facility_detail, name="facility_detail"),
    path("<uuid:facility_id>/units/", views.unit_add, name="unit_add"),
    path("units/<uuid:pk>/status/", views.unit_status, name="unit_status"),
    path("stays/<uuid:pk>/check-out/", views.stay_check_out, name="stay_check_out"),
]
