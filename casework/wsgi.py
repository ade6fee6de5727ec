"""WSGI entry point: `gunicorn casework.wsgi`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casework.settings")
application = get_wsgi_application()
