from django.urls import path

from ikaze.privacy import views

app_name = "privacy"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("breaches/", views.breach_list, name="breach_list"),
    path("breaches/<uuid:breach_id>/notify/", views.breach_notify, name="breach_notify"),
    path("breaches/<uuid:breach_id>/report/", views.breach_report, name="breach_report"),
    path("people/<uuid:person_id>/", views.person_page, name="person"),
    path("people/<uuid:person_id>/access.json", views.access_json, name="access_json"),
    path("people/<uuid:person_id>/access.pdf", views.access_pdf, name="access_pdf"),
    path("people/<uuid:person_id>/requests/", views.request_create, name="request_create"),
    path("people/<uuid:person_id>/holds/", views.hold_place, name="hold_place"),
    path("people/<uuid:person_id>/purge/", views.purge, name="purge"),
    path("requests/<uuid:datarequest_id>/decide/", views.request_decide, name="request_decide"),
    path("requests/<uuid:datarequest_id>/lift/", views.restriction_lift, name="restriction_lift"),
    path("holds/<uuid:legalhold_id>/release/", views.hold_release, name="hold_release"),
]
