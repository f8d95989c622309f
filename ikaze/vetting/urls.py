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
