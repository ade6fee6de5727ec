"""Settings for the test suite: the production settings with a throwaway key and fast hashing."""

import os

os.environ.setdefault(
    "DJANGO_SECRET_KEY", "test-only-secret-key-never-used-for-real-data-0123456789"
)

from casework.file_keys import new_key  # noqa: E402
from casework.settings import *  # noqa: E402,F403

# Argon2 is what production uses (a test checks it); the suite hashes thousands of passwords.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]  # noqa: F405
STORAGES["default"]["OPTIONS"]["location"] = "/tmp/casework-test-media"  # noqa: F405, S108
AXES_ENABLED = True
# The manifest storage needs collectstatic; tests read static files from the source tree.
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
# No collectstatic before the suite: WhiteNoise serves from the finders, as in development.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Axes and the login signals say INFO on every sign-in the suite makes (thousands): only warnings
# and errors are logged. Tests that read the log lower the level themselves (caplog.at_level).
LOGGING = {**LOGGING, "root": {**LOGGING["root"], "level": "WARNING"}}  # noqa: F405
# A key made for this run only: the suite's files are sealed as production's are, and no key is
# ever committed.
CASEWORK_FILE_KEYS = [new_key()]
# Background tasks run at once, inside the test: no worker in the suite.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# Every test reads the home page's charts afresh (tests/test_home_charts.py keeps them on purpose).
HOME_CHARTS_SECONDS = 0
