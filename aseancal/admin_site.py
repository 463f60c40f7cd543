"""The admin site: password login, plus a TOTP code for staff who have confirmed a device.

A second factor is optional per person: staff without a confirmed device log in with
their password alone. Staff with one must give a current code, and a session that was
not verified with it (one begun before the device was confirmed) is sent back to login.
"""

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_otp import devices_for_user, user_has_device

from aseancal import backup_codes


class StaffLoginForm(AdminAuthenticationForm):
    """The admin login form with an authenticator code, checked after the password."""

    otp_token = forms.CharField(
        label="Authenticator code",
        required=False,
        max_length=10,
        help_text=(
            "The 6-digit code from your authenticator app, if you have set one up, or one "
            "of your backup codes."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "size": 10}
        ),
    )

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "code_required": "Enter the code from your authenticator app, or one of your backup codes.",
        "code_invalid": "That code is not valid. Enter the current code from your "
        "authenticator app.",
        "code_throttled": "Too many wrong codes: wait a few seconds, then enter the current code.",
    }

    def clean(self):
        cleaned_data = super().clean()  # the password (counted by the lock-out), then is_staff
        user = self.get_user()
        refusal = self._second_factor_refusal(user) if user is not None else None
        if refusal:
            self.add_error("otp_token", self.error_messages[refusal])
        if refusal in ("code_invalid", "code_throttled"):
            # A wrong code counts as a failed login: guessing codes meets the lock-out too.
            user_login_failed.send(
                sender=type(self),
                credentials={"username": user.get_username()},
                request=self.request,
            )
        return cleaned_data

    def _second_factor_refusal(self, user) -> str | None:
        """Why the code does not let this user in (None: it does, or none is needed)."""
        token = backup_codes.normalise(self.cleaned_data.get("otp_token", ""))
        with transaction.atomic():
            # Locked while checking, so one code cannot log in twice at the same moment.
            devices = list(devices_for_user(user, confirmed=True, for_verify=True))
            if not devices:
                return None
            if not token:
                return "code_required"
            allowed = [device for device in devices if device.verify_is_allowed()[0]]
            if not allowed:
                return "code_throttled"
            for device in allowed:
                if device.verify_token(token):
                    # django_otp's user_logged_in receiver records it in the session.
                    user.otp_device = device
                    return None
        return "code_invalid"


class StaffAdminSite(admin.AdminSite):
    """The secretariat's admin site (django.contrib.admin's default site, replaced)."""

    login_form = StaffLoginForm
    login_template = "admin/staff_login.html"

    def has_permission(self, request: HttpRequest) -> bool:
        if not super().has_permission(request):
            return False
        return second_factor_satisfied(request.user)


def second_factor_satisfied(user) -> bool:
    """Whether this session's user gave a code at login, or has no device to give one with."""
    verified = getattr(user, "is_verified", None)  # set by django_otp's OTPMiddleware
    return (verified is not None and verified()) or not user_has_device(user, confirmed=True)


def locked_out(
    request: HttpRequest, response: HttpResponse, credentials: dict | None
) -> HttpResponse:
    """django-axes' answer to a locked-out login (AXES_LOCKOUT_CALLABLE): the admin's look."""
    context = {
        **admin.site.each_context(request),
        "title": "Login locked",
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cool_off_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    }
    return render(request, "admin/locked_out.html", context, status=403)
