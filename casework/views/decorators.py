"""The door every staff page goes through: logged in, active, a staff role (not a partner).

Each 403 it answers is a `denied` event: the action asked for (or `staff_area` when the page needs
only a staff role), "403", and the page's route name (never the query string, which may hold a
searched name)."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from casework.audit import record_denial
from casework.permissions import Action, is_staff_member, may, visible_or_404

STAFF_AREA = "staff_area"


def _refuse(request, action: Action | None) -> PermissionDenied:
    exc = PermissionDenied()
    match = getattr(request, "resolver_match", None)
    record_denial(
        request.user,
        action or STAFF_AREA,
        None,
        hidden=False,
        exc=exc,
        detail={"route": getattr(match, "view_name", "") or "", "method": request.method},
    )
    return exc


def staff_view(view=None, *, action: Action | None = None):
    """Login required; partner accounts get 403 (they use the API); with `action`, the role must be
    allowed it at all (object checks happen in the view through the gates)."""

    def decorate(func):
        @login_required
        @wraps(func)
        def wrapper(request, *args, **kwargs):
            user = request.user
            if not is_staff_member(user):
                raise _refuse(request, None)
            if action is not None and not may(user, action):
                raise _refuse(request, action)
            return func(request, *args, **kwargs)

        return wrapper

    return decorate(view) if view is not None else decorate


def gated_or_404(request, gated, public_id):
    """The record `public_id` of a read gate's queryset, or 404 exactly as for a missing id; the
    attempt on a hidden (or missing) record is written to the audit trail, naming the route."""
    match = getattr(request, "resolver_match", None)
    return visible_or_404(
        request.user,
        gated,
        public_id,
        attempted=getattr(match, "view_name", "") or "",
        detail={"method": request.method},
    )


def form_status(form) -> int:
    """A form page's status: 400 when a submitted form was refused, else 200."""
    return 400 if form.is_bound and form.errors else 200
