from django.urls import path

from ikaze.vetting import views

app_name = "vetting"
urlpatterns = [
    path("referrals/", views.referral_list, name="referral_list"),
    path("referrals/new/", views.referral_create, name="referral_create"),
    path("referrals/<uuid:referral_id>/", views.referral_detail, name="referral_detail"),
    path("referrals/<uuid:referral_id>/submit/", views.referral_submit, name="referral_submit"),
    path(
        "referrals/<uuid:referral_id>/withdraw/", views.referral_withdraw, name="referral_withdraw"
    ),
    path(
        "referrals/<uuid:referral_id>/review/",
        views.referral_start_review,
        name="referral_start_review",
    ),
    path(
        "referrals/<uuid:referral_id>/request-information/",
        views.referral_request_information,
        name="referral_request_information",
    ),
]

# Vetting (issue 4): the queue, the vetting file, decisions, overrides, notices.
from ikaze.vetting import vetting_views  # noqa: E402

urlpatterns += [
    path("queue/", vetting_views.queue, name="queue"),
    path("referrals/<uuid:referral_id>/vetting/", vetting_views.vetting_file, name="vetting_file"),
    path(
        "referrals/<uuid:referral_id>/decision/",
        vetting_views.referral_decision,
        name="referral_decision",
    ),
    path("referrals/<uuid:referral_id>/facts/", vetting_views.fact_record, name="fact_record"),
    path("referrals/<uuid:referral_id>/decide/", vetting_views.decide, name="decide"),
    path(
        "referrals/<uuid:referral_id>/overrides/",
        vetting_views.override_request,
        name="override_request",
    ),
    path("referrals/<uuid:referral_id>/notices/", vetting_views.notice_issue, name="notice_issue"),
    path("notices/<uuid:notice_id>/pdf/", vetting_views.notice_pdf, name="notice_pdf"),
    path("notices/<uuid:notice_id>/service/", vetting_views.notice_service, name="notice_service"),
    path("overrides/", vetting_views.override_list, name="override_list"),
    path(
        "overrides/<uuid:override_id>/second/",
        vetting_views.override_second,
        name="override_second",
    ),
]
