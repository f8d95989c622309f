from django.urls import path

from ikaze.documents import views

app_name = "documents"
urlpatterns = [
    path("<uuid:document_id>/", views.document_download, name="document_download"),
    path(
        "upload/<slug:target_type>/<uuid:target_id>/",
        views.document_upload,
        name="document_upload",
    ),
]
