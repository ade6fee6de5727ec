"""WSGI entry point: `gunicorn casework.wsgi`."""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casework.settings")
application = get_wsgi_application()

# Every view loaded now, then what is loaded kept out of the garbage collector's way: its full
# collections otherwise walk these long-lived objects again and again. And young collections less
# often (every 10,000 allocations, not 700): a page of 100 persons lives through many of them,
# gets promoted, and a full collection every few requests walked it (20-35 ms; the API lists'
# p95 at 100,000 persons, bench/README.md, "pages").
get_resolver().url_patterns  # noqa: B018 (imports every view)
gc.collect()
gc.freeze()
gc.set_threshold(10_000, 20, 20)
