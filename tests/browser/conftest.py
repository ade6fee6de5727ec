"""Fixtures of the browser tests: pytest-playwright on Debian's chromium, against live_server.

- Playwright never downloads a browser here: it launches /usr/bin/chromium (Debian's package,
  which .ci/run installs). Without it every test of this folder is skipped, and nothing else in
  the suite is touched.
- live_server (pytest-django) serves the app from a thread, on a transactional database; static
  files come through Django's StaticFilesHandler and WhiteNoise's finders (tests/settings.py).
- make_phone_context(locale=..., javascript=...) makes a phone-sized context whose base_url is
  the live server, so tests write page.goto("/account/login/"); phone_context and
  phone_context_no_js are its two usual forms.
"""

import os
import shutil

import pytest

from tests.browser import HERE

# Playwright's sync API keeps an asyncio event loop marked as running in the main thread for as
# long as it is started, and Django then refuses synchronous ORM calls from that thread (the
# tests' own set-up, live_server's flushes). Once this folder is collected the variable holds for
# the whole pytest process; the rest of the suite runs before these tests (see the collection
# hook below), with no event loop, so it changes nothing there.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
# Playwright only downloads from `playwright install`; make sure no install step of it ever does.
os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")

CHROMIUM_MISSING = (
    "Debian's chromium is not installed (apt-get install chromium); .ci/run installs it"
)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


def chromium_executable() -> str | None:
    return shutil.which("chromium")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Run this folder's tests last, and skip them (only them) when chromium is not on PATH.

    Last: pytest-playwright's session-scoped `playwright` keeps its event loop marked as running
    in the main thread until the session ends, and a test run after it could not use asgiref's
    async_to_sync (trylast: after pytest-django's reordering by database use).
    """
    browser_items = [item for item in items if HERE in item.path.parents]
    if not browser_items:
        return
    items[:] = [item for item in items if HERE not in item.path.parents] + browser_items
    if chromium_executable():
        return
    skip = pytest.mark.skip(reason=CHROMIUM_MISSING)
    for item in browser_items:
        item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright's launch options, on Debian's chromium (never a downloaded browser)."""
    executable = chromium_executable()
    if executable is None:  # the collection hook skips first; this guards direct use
        pytest.skip(CHROMIUM_MISSING)
    return {
        **browser_type_launch_args,
        "executable_path": executable,
        "args": [*browser_type_launch_args.get("args", []), *CHROMIUM_ARGS],
    }


@pytest.fixture
def make_phone_context(new_context, live_server):
    """make_phone_context(locale="ru-RU", javascript=True, **context_options) -> BrowserContext.

    A 390×844 touch phone at device scale 2. `locale` sets the browser's language and so its
    Accept-Language header, which LocaleMiddleware reads. The context's base_url is the live
    server. pytest-playwright closes the contexts at the end of the test.
    """

    def make(locale: str = "en-GB", javascript: bool = True, **options):
        return new_context(
            **{
                **PHONE,
                "locale": locale,
                "java_script_enabled": javascript,
                "base_url": live_server.url,
                **options,
            }
        )

    return make


@pytest.fixture
def phone_context(make_phone_context):
    return make_phone_context()


@pytest.fixture
def phone_context_no_js(make_phone_context):
    return make_phone_context(javascript=False)
