"""API authentication: sessions count only when the admin itself would accept them."""

from drf_spectacular.authentication import SessionScheme
from rest_framework.authentication import SessionAuthentication

from aseancal.admin_site import second_factor_satisfied


class VerifiedSessionAuthentication(SessionAuthentication):
    """An admin session, refused (as anonymous) if its staff member skipped the TOTP code.

    A session begun before the person confirmed an authenticator device was never
    verified; the admin sends it back to login, and the API must not accept it either.
    """

    def authenticate(self, request):
        found = super().authenticate(request)
        if found is None or second_factor_satisfied(found[0]):
            return found
        return None


class VerifiedSessionScheme(SessionScheme):
    """OpenAPI: described as the session cookie it is."""

    # By dotted path, as SessionScheme names its own target (drf-spectacular imports it).
    target_class = "meetings.api.authentication.VerifiedSessionAuthentication"
