from django.urls import path

from ikaze.protection import views

app_name = "protection"
urlpatterns = [
    path("cases/", views.case_list, name="case_list"),
    path("cases/<uuid:pk>/", views.case_detail, name="case_detail"),
    path("cases/<uuid:pk>/brief/", views.case_brief, name="case_brief"),
    path("cases/<uuid:pk>/claim/", views.case_claim, name="case_claim"),
    path("cases/<uuid:pk>/interview/", views.case_interview, name="case_interview"),
    path("cases/<uuid:pk>/decide/", views.case_decide, name="case_decide"),
    path("cases/<uuid:pk>/appeal/", views.case_appeal, name="case_appeal"),
    path("cases/<uuid:pk>/court/", views.case_court, name="case_court"),
    path("cases/<uuid:pk>/refer/", views.case_refer, name="case_refer"),
    path("cases/<uuid:pk>/milestone/", views.case_milestone, name="case_milestone"),
    path("cases/<uuid:pk>/depart/", views.case_depart, name="case_depart"),
    path("cases/<uuid:pk>/close/", views.case_close, name="case_close"),
    path("cases/<uuid:pk>/code/", views.case_code, name="case_code"),
    path("cases/<uuid:pk>/complain/", views.case_complain, name="case_complain"),
    path("status-decisions/<uuid:pk>/serve/", views.decision_serve, name="decision_serve"),
    path("status-decisions/<uuid:pk>/pdf/", views.decision_pdf, name="decision_pdf"),
    path("complaints/", views.complaint_list, name="complaint_list"),
    path("complaints/<uuid:pk>/", views.complaint_detail, name="complaint_detail"),
    path(
        "complaints/<uuid:pk>/acknowledge/",
        views.complaint_acknowledge,
        name="complaint_acknowledge",
    ),
    path("inbox/", views.inbox, name="inbox"),
    path("observations/", views.observations, name="observations"),
    path("upcoming/", views.upcoming, name="upcoming"),
    path("monitor-access/", views.access_requests, name="access_requests"),
    path("monitor-access/review/", views.access_review, name="access_review"),
    path("monitor-access-requests/<uuid:pk>/decide/", views.access_decide, name="access_decide"),
    # SAFEGUARDS C2 / F6: the self-service complaint page, no account (ADR 0026).
    path("self/", views.self_service, name="self_service"),
    path("self/complaint/", views.self_service_complaint, name="self_service_complaint"),
]
