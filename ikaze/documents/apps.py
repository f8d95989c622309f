from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "ikaze.documents"
    label = "documents"
    verbose_name = "Documents"
