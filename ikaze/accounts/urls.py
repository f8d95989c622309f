from django.urls import path

from ikaze.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("two-factor/", views.two_factor, name="two_factor"),
    path("users/", views.user_list, name="user_list"),
    path("tokens/", views.token_list, name="token_list"),
    path("tokens/<uuid:token_id>/revoke/", views.token_revoke, name="token_revoke"),
]
