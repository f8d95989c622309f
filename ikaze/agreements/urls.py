from django.urls import path

from ikaze.agreements import views

app_name = "agreements"
urlpatterns = [
    path("", views.agreement_list, name="list"),
    path("export.csv", views.agreement_list_export, name="list_csv"),
    path("export.xlsx", views.agreement_list_export, {"fmt": "xlsx"}, name="list_xlsx"),
    path("new/", views.agreement_create, name="create"),
    path("<str:code>/", views.agreement_detail, name="detail"),
    path("<str:code>/edit/", views.agreement_edit, name="edit"),
    path("<str:code>/transition/", views.agreement_transition, name="transition"),
    path("<str:code>/payments/", views.payment_add, name="payment_add"),
    path("<str:code>/payments/reverse/", views.payment_reverse, name="payment_reverse"),
    path("<str:code>/tranches/", views.tranche_add, name="tranche_add"),
    path("<str:code>/support-items/", views.support_item_add, name="support_item_add"),
    path(
        "<str:code>/compensation-lines/",
        views.compensation_line_add,
        name="compensation_line_add",
    ),
]
