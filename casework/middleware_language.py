"""Staff pages speak English or Russian; Arabic is for the families' pages only. A language
cookie set on the families' pages must not turn a caseworker's screens half Arabic."""

from django.conf import settings
from django.utils import translation

PUBLIC_PREFIXES = ("/report/", "/i18n/")


class StaffLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = translation.get_language()
        if language not in settings.STAFF_LANGUAGES and not request.path.startswith(
            PUBLIC_PREFIXES
        ):
            translation.activate(settings.LANGUAGE_CODE)
            request.LANGUAGE_CODE = settings.LANGUAGE_CODE
        return self.get_response(request)
