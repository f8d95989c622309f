from django.urls import path

from ikaze.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("two-factor/", views.two_factor, name="two_factor"),
    path("enrol/<str:key>/", views.enrol, name="enrol"),
    path("password/", views.password_change, name="password_change"),
    path("users/", views.user_list, name="user_list"),
    path("users/<uuid:user_id>/", views.user_detail, name="user_detail"),
    path("users/<uuid:user_id>/deactivate/", views.user_deactivate, name="user_deactivate"),
    path("users/<uuid:user_id>/reactivate/", views.user_reactivate, name="user_reactivate"),
    path("users/<uuid:user_id>/unlock/", views.user_unlock, name="user_unlock"),
    path("users/<uuid:user_id>/role/", views.user_role_change, name="user_role_change"),
    path(
        "users/<uuid:user_id>/password-reset/",
        views.user_password_reset,
        name="user_password_reset",
    ),
    path(
        "users/<uuid:user_id>/second-factor-reset/",
        views.user_second_factor_reset,
        name="user_second_factor_reset",
    ),
    path(
        "users/<uuid:user_id>/enrolment-link/",
        views.user_enrolment_link,
        name="user_enrolment_link",
    ),
    path("tokens/", views.token_list, name="token_list"),
    path("tokens/<uuid:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    path("notices/", views.credential_notice_list, name="credential_notice_list"),
]
