"""Settings for the commands that touch no database and serve nothing (`manage.py linklists`): an
offline tool must run on a laptop with two CSV files, without the server's secret key or database.

`manage.py` chooses these for those commands alone; everything else gets `casework.settings`.
"""

import secrets

# Nothing is served or signed under these settings; Django only insists that a key exists.
SECRET_KEY = secrets.token_urlsafe(50)
# casework and what its models and signal receivers need to load; no admin, no sessions, no API.
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "casework.apps.CaseworkConfig",
]
AUTH_USER_MODEL = "casework.User"
DATABASES: dict = {}
USE_TZ = True
TIME_ZONE = "UTC"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
