"""Staff set up their own TOTP authenticator in the admin.

Adding a device makes it unconfirmed; its owner then scans the QR code on the set-up
page and enters a current code, which confirms it. Only then does the login ask for a
code. The secret is shown on that page only, to the owner, and only until confirmed.
Staff see and manage their own devices; superusers see everyone's (and can remove a
lost one), but cannot read anyone's secret.
"""

from base64 import b32encode
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.sites import AdminSite
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.qr import write_qrcode_image

from aseancal import backup_codes


class ConfirmDeviceForm(forms.Form):
    token = forms.CharField(
        label="Code shown by the app",
        max_length=10,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "size": 10}
        ),
    )

    def __init__(self, *args: Any, device: TOTPDevice, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.device = device

    def clean_token(self) -> str:
        token = "".join(self.cleaned_data["token"].split())
        with transaction.atomic():
            device = TOTPDevice.objects.select_for_update().get(pk=self.device.pk)
            if not device.verify_is_allowed()[0]:
                raise forms.ValidationError(
                    "Too many wrong codes: wait a few seconds, then enter the current code."
                )
            if not device.verify_token(token):
                raise forms.ValidationError(
                    "That code does not match. Check the app shows this account, then "
                    "enter the current code."
                )
        self.device = device
        return token


class StaffTOTPDeviceAdmin(TOTPDeviceAdmin):
    """TOTP devices: each staff member's own; superusers also everyone else's."""

    list_display = ["user", "name", "confirmed", "created_at", "last_used_at", "set_up"]
    readonly_fields = ["created_at", "last_used_at", "confirmed"]

    # Who may do what: staff manage their own devices; superusers any.

    def _owns(self, request: HttpRequest, obj: TOTPDevice | None) -> bool:
        user = request.user
        return user.is_active and user.is_staff and (obj is None or obj.user_id == user.pk)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._owns(request, None) or super().has_module_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._owns(request, obj) or super().has_view_permission(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._owns(request, None) or super().has_add_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._owns(request, obj) or super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._owns(request, obj) or super().has_delete_permission(request, obj)

    def get_queryset(self, request: HttpRequest):
        queryset = super().get_queryset(request)
        return queryset if request.user.is_superuser else queryset.filter(user=request.user)

    # Forms: a name is all staff choose; the secret is generated, the device unconfirmed.

    def get_fieldsets(self, request: HttpRequest, obj: Any = None):
        if request.user.is_superuser and obj is None:
            return [(None, {"fields": ["user", "name"]})]
        if request.user.is_superuser:
            return [
                (None, {"fields": ["user", "name", "confirmed"]}),
                ("Use", {"fields": ["created_at", "last_used_at"]}),
                ("Throttling", {"fields": ["throttling_failure_count"]}),
            ]
        fields = ["name"] if obj is None else ["name", "confirmed", "created_at", "last_used_at"]
        return [(None, {"fields": fields})]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None):
        readonly = list(self.readonly_fields)
        if obj is not None:
            readonly += ["user", "throttling_failure_count"]
        return readonly

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        return {"user": request.user.pk, **super().get_changeform_initial_data(request)}

    def save_model(self, request: HttpRequest, obj: TOTPDevice, form, change: bool) -> None:
        if not change:
            if not request.user.is_superuser or obj.user_id is None:
                obj.user = request.user
            obj.confirmed = False  # until its owner enters a code from it
        super().save_model(request, obj, form, change)

    def response_add(self, request: HttpRequest, obj: TOTPDevice, post_url_continue=None):
        if obj.user_id == request.user.pk:
            return HttpResponseRedirect(self._setup_url(obj))
        self.message_user(
            request,
            f"{obj.user} must now open “{obj.name}” under TOTP devices and set it up.",
            messages.INFO,
        )
        return super().response_add(request, obj, post_url_continue)

    @admin.display(description="set up")
    def set_up(self, device: TOTPDevice) -> str:
        if device.confirmed:
            return "done"
        return format_html('<a href="{}">scan the code</a>', self._setup_url(device))

    def _setup_url(self, device: TOTPDevice) -> str:
        return reverse(f"{self.admin_site.name}:otp_totp_totpdevice_setup", args=[device.pk])

    # The set-up page: the QR code (and the secret, for typing in) and a code to confirm.

    def get_urls(self):
        return [
            path(
                "<int:pk>/setup/",
                self.admin_site.admin_view(self.setup_view),
                name="otp_totp_totpdevice_setup",
            ),
            path(
                "backup-codes/",
                self.admin_site.admin_view(self.backup_codes_view),
                name="otp_totp_totpdevice_backup_codes",
            ),
            path(
                "<int:pk>/setup/qrcode.svg",
                self.admin_site.admin_view(self.setup_qrcode_view),
                name="otp_totp_totpdevice_setup_qrcode",
            ),
            *super().get_urls(),
        ]

    def _own_unconfirmed(self, request: HttpRequest, pk: int) -> TOTPDevice:
        # Someone else's device, or a confirmed one, does not exist as far as this page goes.
        return get_object_or_404(TOTPDevice, pk=pk, user=request.user, confirmed=False)

    def setup_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        device = self._own_unconfirmed(request, pk)
        data = request.POST if request.method == "POST" else None
        form = ConfirmDeviceForm(data, device=device)
        if request.method == "POST" and form.is_valid():
            device = form.device
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)  # this session has just proved it holds the device
            self.message_user(
                request,
                f"“{device.name}” is set up: from now on the login asks for its code.",
                messages.SUCCESS,
            )
            return self._show_codes(request, backup_codes.issue(request.user))
        context = {
            **self.admin_site.each_context(request),
            "title": f"Set up “{device.name}”",
            "opts": self.opts,
            "device": device,
            "form": form,
            "secret": b32encode(device.bin_key).decode(),
            "qrcode_url": reverse(
                f"{self.admin_site.name}:otp_totp_totpdevice_setup_qrcode", args=[device.pk]
            ),
        }
        return TemplateResponse(request, "admin/otp_totp/totpdevice/setup.html", context)

    # Backup codes: shown once when issued; issued again (all replaced) on request.

    def _show_codes(self, request: HttpRequest, codes: list[str]) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "title": "Your backup codes",
            "opts": self.opts,
            "codes": codes,
        }
        # admin_view's never_cache keeps the page out of the browser's and proxies' caches.
        return TemplateResponse(request, "admin/otp_totp/totpdevice/backup_codes.html", context)

    def backup_codes_view(self, request: HttpRequest) -> HttpResponse:
        """How many codes are left, and a button for new ones (for staff with a device)."""
        if not TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
            raise Http404  # codes stand in for an authenticator: none without one
        if request.method == "POST":
            return self._show_codes(request, backup_codes.issue(request.user))
        context = {
            **self.admin_site.each_context(request),
            "title": "Backup codes",
            "opts": self.opts,
            "remaining": backup_codes.remaining(request.user),
        }
        return TemplateResponse(request, "admin/otp_totp/totpdevice/backup_codes.html", context)

    def changelist_view(self, request: HttpRequest, extra_context=None):
        confirmed = TOTPDevice.objects.filter(user=request.user, confirmed=True).exists()
        extra = {"backup_codes_url": self._backup_codes_url() if confirmed else None}
        return super().changelist_view(request, {**(extra_context or {}), **extra})

    def _backup_codes_url(self) -> str:
        return reverse(f"{self.admin_site.name}:otp_totp_totpdevice_backup_codes")

    def setup_qrcode_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        device = self._own_unconfirmed(request, pk)
        response = HttpResponse(content_type="image/svg+xml")
        write_qrcode_image(device.config_url, response)
        return response

    def config_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        raise Http404  # secrets are shown only on the set-up page

    def qrcode_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        raise Http404


def register(site: AdminSite) -> None:
    """Put StaffTOTPDeviceAdmin in place of django-otp's own TOTP device admin, and hide
    the backup codes' (their tokens are readable there): staff reach theirs from the TOTP
    device list."""
    if site.is_registered(TOTPDevice):
        site.unregister(TOTPDevice)
    site.register(TOTPDevice, StaffTOTPDeviceAdmin)
    if site.is_registered(StaticDevice):
        site.unregister(StaticDevice)
