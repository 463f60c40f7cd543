"""Who may write through the API. Reads are open: the querysets decide what each user sees."""

from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView


class ActionPermission(BasePermission):
    """A write needs the model permissions the view lists for its action (none listed: refused),
    through a token or, for a browser, a staff session."""

    message = "You do not have permission to make this change."

    def has_permission(self, request: Request, view: APIView) -> bool:
        if request.method in SAFE_METHODS:
            return True
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if isinstance(request.successful_authenticator, SessionAuthentication) and not (
            user.is_staff
        ):
            return False
        required = getattr(view, "write_permissions", {}).get(getattr(view, "action", None))
        return required is not None and user.has_perms(required)
