from django.urls import path

from ikaze.support import views

app_name = "support"
urlpatterns = [
    path("", views.batch_list, name="batch_list"),
    path("new/", views.batch_prepare, name="batch_prepare"),
    path("reconciliation/", views.reconciliation_report, name="reconciliation"),
    path("people/<uuid:person_id>/", views.person_payments, name="person_payments"),
    path("<uuid:paymentbatch_id>/", views.batch_detail, name="batch_detail"),
    path("<uuid:paymentbatch_id>/progress/", views.batch_progress, name="batch_progress"),
    path("<uuid:paymentbatch_id>/approve/", views.batch_approve, name="batch_approve"),
    path("<uuid:paymentbatch_id>/send/", views.batch_send, name="batch_send"),
    path("<uuid:paymentbatch_id>/reconcile/", views.batch_reconcile, name="batch_reconcile"),
]
