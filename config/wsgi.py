import os

from django.core.wsgi import get_wsgi_application

from config import home

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
home.prepare()  # the folders and the secret key, before Django reads the settings
application = get_wsgi_application()
