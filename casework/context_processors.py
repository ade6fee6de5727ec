"""What every page's frame needs: which areas of the navigation this user may use."""

from django.conf import settings

from casework.permissions import Action, is_staff_member, may, needs_second_factor


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not is_staff_member(user):
        return {"nav": {}}
    if needs_second_factor(user) and not user.is_verified():
        # Until the second factor is passed, nothing but the second-factor page is reachable.
        return {"nav": {}}
    return {
        # The page warns before the idle timeout ends the session (static/casework/app.js).
        "idle_seconds": settings.SESSION_IDLE_SECONDS,
        "kept_draft": getattr(request, "kept_draft", []),
        "nav": {
            "persons": may(user, Action.VIEW_PERSON),
            "reports": may(user, Action.VIEW_REPORT),
            "imports": may(user, Action.IMPORT_LIST),
            "review": may(user, Action.DECIDE_MATCH),
            "flights": may(user, Action.MANAGE_FLIGHT),
            # The registry of places is reference data every staff member reads.
            "places": True,
            "audit": may(user, Action.VIEW_AUDIT),
            "organisation": may(user, Action.MANAGE_USERS),
            "admin": user.is_superuser,
        },
    }


# Each language named in itself: a family who cannot read the current one still finds theirs.
PUBLIC_LANGUAGE_NAMES = (("ru", "Русский"), ("en", "English"), ("ar", "العربية"))


def languages(request):
    """The languages each kind of page offers: staff pages English and Russian, the families'
    pages Arabic too, and where the families' "leave quickly" button goes."""
    return {
        "staff_languages": settings.STAFF_LANGUAGES,
        "public_languages": PUBLIC_LANGUAGE_NAMES,
        "quick_exit_url": settings.PUBLIC_QUICK_EXIT_URL,
    }
