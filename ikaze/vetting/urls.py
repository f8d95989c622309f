from django.urls import path

from ikaze.vetting import views

app_name = "vetting"
urlpatterns = [
    path("referrals/", views.referral_list, name="referral_list"),
    path("referrals/export.csv", views.referral_list_csv, name="referral_list_csv"),
    path(
        "referrals/export.xlsx",
        views.referral_list_csv,
        {"fmt": "xlsx"},
        name="referral_list_xlsx",
    ),
    path("referrals/new/", views.referral_create, name="referral_create"),
    path("referrals/<uuid:referral_id>/", views.referral_detail, name="referral_detail"),
    path("referrals/<uuid:referral_id>/submit/", views.referral_submit, name="referral_submit"),
    path("referrals/<uuid:referral_id>/answer/", views.referral_answer, name="referral_answer"),
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
    # Vetting (issue 4): the queue, the vetting file, decisions, overrides, notices.
    path("queue/", views.queue, name="queue"),
    path("queue/export.csv", views.queue_csv, name="queue_csv"),
    path("queue/export.xlsx", views.queue_csv, {"fmt": "xlsx"}, name="queue_xlsx"),
    path("rescreen/", views.rescreen, name="rescreen"),
    path("referrals/<uuid:referral_id>/vetting/", views.vetting_file, name="vetting_file"),
    path(
        "referrals/<uuid:referral_id>/decision/",
        views.referral_decision,
        name="referral_decision",
    ),
    path("referrals/<uuid:referral_id>/facts/", views.fact_record, name="fact_record"),
    path("referrals/<uuid:referral_id>/decide/", views.decide, name="decide"),
    path(
        "referrals/<uuid:referral_id>/overrides/",
        views.override_request,
        name="override_request",
    ),
    # Issue 11 item 6: a vetting officer asks a senior officer for an override.
    path(
        "referrals/<uuid:referral_id>/override-asks/",
        views.override_ask,
        name="override_ask",
    ),
    path(
        "override-asks/<uuid:override_ask_id>/decline/",
        views.override_ask_decline,
        name="override_ask_decline",
    ),
    path("referrals/<uuid:referral_id>/notices/", views.notice_issue, name="notice_issue"),
    path("notices/<uuid:notice_id>/pdf/", views.notice_pdf, name="notice_pdf"),
    path("notices/<uuid:notice_id>/service/", views.notice_service, name="notice_service"),
    path(
        "notices/<uuid:notice_id>/confirm-service/",
        views.notice_confirm_service,
        name="notice_confirm_service",
    ),
    # SAFEGUARDS F1: removing a protective fact takes a request and a senior officer's second.
    path(
        "referrals/<uuid:referral_id>/fact-removals/",
        views.fact_removal_request,
        name="fact_removal_request",
    ),
    path(
        "fact-removals/<uuid:fact_removal_id>/answer/",
        views.fact_removal_answer,
        name="fact_removal_answer",
    ),
    path("alerts/", views.alert_list, name="alert_list"),
    path("alerts/export.csv", views.alert_list_export, name="alert_list_csv"),
    path("alerts/export.xlsx", views.alert_list_export, {"fmt": "xlsx"}, name="alert_list_xlsx"),
    path("alerts/<uuid:alert_id>/resolve/", views.alert_resolve, name="alert_resolve"),
    path("overrides/", views.override_list, name="override_list"),
    path("overrides/export.csv", views.override_list_export, name="override_list_csv"),
    path(
        "overrides/export.xlsx",
        views.override_list_export,
        {"fmt": "xlsx"},
        name="override_list_xlsx",
    ),
    path("monitor-notices/", views.monitor_notice_list, name="monitor_notice_list"),
    path(
        "monitor-notices/export.csv",
        views.monitor_notice_list_export,
        name="monitor_notice_list_csv",
    ),
    path(
        "monitor-notices/export.xlsx",
        views.monitor_notice_list_export,
        {"fmt": "xlsx"},
        name="monitor_notice_list_xlsx",
    ),
    path(
        "overrides/<uuid:override_id>/second/",
        views.override_second,
        name="override_second",
    ),
]
