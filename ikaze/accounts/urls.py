from django.urls import path

from ikaze.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("two-factor/", views.two_factor, name="two_factor"),
    path("enrol/<str:key>/", views.enrol, name="enrol"),
    path("users/", views.user_list, name="user_list"),
    path(
        "users/<uuid:user_id>/enrolment-link/",
        views.user_enrolment_link,
        name="user_enrolment_link",
    ),
    path("tokens/", views.token_list, name="token_list"),
    path("tokens/<uuid:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    path("notices/", views.credential_notice_list, name="credential_notice_list"),
]
