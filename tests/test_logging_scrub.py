"""Logs never contain names, contacts or places: canary values must not reach any log line."""

import logging

import pytest

from casework.logging import ScrubPersonalDataFilter

CANARY_NAME = "Canaryeva Zulfiya"
CANARY_PHONE = "+7 999 123 45 67"


@pytest.fixture
def captured():
    records = []

    class Collect(logging.Handler):
        def emit(self, record):
            records.append(self.format(record))

    handler = Collect()
    handler.addFilter(ScrubPersonalDataFilter())
    handler.setFormatter(logging.Formatter("%(name)s %(message)s"))
    # django.request does not propagate (casework/settings.py): listen to it too.
    loggers = [logging.getLogger(), logging.getLogger("django.request")]
    for logger in loggers:
        logger.addHandler(handler)
    yield records
    for logger in loggers:
        logger.removeHandler(handler)


def test_message_arguments_are_withheld(captured):
    logging.getLogger("casework.anything").warning(
        "saved person %s (%s)", CANARY_NAME, CANARY_PHONE
    )
    assert captured
    assert all(CANARY_NAME not in line and CANARY_PHONE not in line for line in captured)
    assert "arguments withheld" in captured[-1]


def test_exception_messages_are_withheld_but_the_traceback_stays(captured):
    try:
        raise ValueError(f"bad name {CANARY_NAME}")
    except ValueError:
        logging.getLogger("casework.anything").exception("import failed")
    text = "\n".join(captured)
    assert CANARY_NAME not in text
    assert "ValueError [message withheld]" in text
    assert "test_exception_messages_are_withheld" in text


def test_a_server_error_logs_the_path_not_the_posted_values(world, login, captured, settings):
    # A view that fails on purpose with personal data in the request and the exception.
    from django.urls import path

    from casework import urls

    def failing(request):
        raise RuntimeError(f"cannot save {request.POST.get('name')}")

    urls.urlpatterns.append(path("test-fail/", failing, name="test_fail"))
    try:
        client = login(world.caseworker)
        client.raise_request_exception = False
        response = client.post("/test-fail/", {"name": CANARY_NAME, "phone": CANARY_PHONE})
    finally:
        urls.urlpatterns.pop()
        from django.urls import clear_url_caches

        clear_url_caches()
    assert response.status_code == 500
    text = "\n".join(captured)
    assert "/test-fail/" in text
    assert CANARY_NAME not in text and CANARY_PHONE not in text
