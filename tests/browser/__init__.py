"""Browser tests: Playwright (pytest-playwright) driving Debian's chromium against live_server.

The fixtures live in conftest.py (phone contexts, chromium launch options, the skip when chromium
is missing); the helpers that tests import live here:

    from tests.browser import axe_violations, screenshot
"""

import re
from pathlib import Path

from playwright.sync_api import Error, Page

HERE = Path(__file__).resolve().parent
AXE_SOURCE_PATH = HERE / "vendor" / "axe.min.js"
SCREENSHOT_DIR = HERE.parent.parent / "test-artifacts" / "screenshots"

# Playwright's evaluate still runs in a page whose context has JavaScript disabled, but axe.run()
# then never settles (its timers never fire). The HTML parser tells the two apart: with scripting
# disabled, the content of <noscript> is parsed as elements, not as text.
_SCRIPTING_DISABLED = """() => {
  const probe = document.createElement("div");
  probe.innerHTML = "<noscript><p></p></noscript>";
  return probe.firstChild.firstChild?.nodeType === Node.ELEMENT_NODE;
}"""

_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


class AxeCannotRun(RuntimeError):
    """axe-core could not be run in the page (JavaScript disabled, or the page refused it)."""


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page PNG of `page` as test-artifacts/screenshots/<name>.png; return its path."""
    if not _SAFE_NAME.match(name):
        raise ValueError(f"screenshot name {name!r}: use letters, digits, '.', '_' and '-' only")
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def axe_violations(page: Page, impacts=("serious", "critical")) -> list[dict]:
    """Run axe-core in `page` and return its violations of the given impacts.

    Each violation is {"id", "impact", "help", "targets"}, targets being the CSS selectors of the
    offending nodes. axe is injected with page.evaluate (not add_script_tag: the app's
    Content-Security-Policy, script-src 'self', blocks inline script tags, and evaluate is not
    subject to it).

    A page whose context has JavaScript disabled (make_phone_context(javascript=False),
    phone_context_no_js) cannot run axe (axe.run would hang): this raises AxeCannotRun instead.
    Check such a page by loading the same URL in a context with JavaScript on.
    """
    if page.evaluate(_SCRIPTING_DISABLED):
        raise AxeCannotRun(
            "axe-core needs JavaScript, and this page's context was made with JavaScript "
            "disabled: check the same URL in a context with JavaScript enabled"
        )
    try:
        page.evaluate(AXE_SOURCE_PATH.read_text(encoding="utf-8"))
        result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    except Error as exc:
        raise AxeCannotRun(f"axe-core could not run in {page.url}: {exc.message}") from exc
    return [
        {
            "id": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "targets": [node["target"] for node in violation["nodes"]],
        }
        for violation in result["violations"]
        if violation["impact"] in impacts
    ]
