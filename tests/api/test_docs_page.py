"""casework/api/docs.py: the documentation page, for every token holder, from vendored assets
only, with no inline script or style, in English and Russian."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

URL = "/api/v1/docs/"
VENDOR = Path(settings.BASE_DIR) / "static" / "vendor" / "swagger-ui"


@pytest.mark.django_db
def test_the_page_loads_only_vendored_assets_and_nothing_inline():
    response = Client().get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S)
    assert scripts
    for attributes, content in scripts:
        assert 'src="/static/' in attributes and not content.strip()
    assert "<style" not in page and " style=" not in page
    assert not re.search(r"\son[a-z]+=", page), "no inline event handler"
    for url in re.findall(r'(?:src|href)="([^"]+)"', page):
        assert url.startswith(("/static/", "/api/", "#")), url
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in page
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    # The page holds no data: it asks the schema of the caller, with the caller's token.
    assert 'data-schema-url="/api/v1/schema/"' in page


def test_the_vendored_swagger_ui_keeps_its_licence_beside_it():
    assert (VENDOR / "LICENSE").read_text().lstrip().startswith("Apache License")
    assert (VENDOR / "swagger-ui-bundle.js").stat().st_size > 100_000
    assert "swagger-ui-dist 5.35.0" in (VENDOR / "VERSION").read_text()


@pytest.mark.django_db
def test_the_page_speaks_russian():
    response = Client(HTTP_ACCEPT_LANGUAGE="ru").get(URL)
    page = response.content.decode()
    assert 'lang="ru"' in page
    assert "Partner token" not in page and "casework API documentation" not in page
