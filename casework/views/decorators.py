"""The door every staff page goes through: logged in, active, a staff role (not a partner)."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from casework.permissions import STAFF_ROLES, Action, may


def staff_view(view=None, *, action: Action | None = None):
    """Login required; partner accounts get 403 (they use the API); with `action`, the role must be
    allowed it at all (object checks happen in the view through the gates)."""

    def decorate(func):
        @login_required
        @wraps(func)
        def wrapper(request, *args, **kwargs):
            user = request.user
            if user.role not in STAFF_ROLES:
                raise PermissionDenied
            if action is not None and not may(user, action):
                raise PermissionDenied
            return func(request, *args, **kwargs)

        return wrapper

    return decorate(view) if view is not None else decorate
