"""The admin application with the project's own site (see aseancal.admin_site)."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig


class StaffAdminConfig(AdminConfig):
    """django.contrib.admin, whose default site (admin.site) is StaffAdminSite.

    Every `@admin.register` keeps working; only the site's class changes.
    """

    default_site = "aseancal.admin_site.StaffAdminSite"

    def ready(self) -> None:
        super().ready()  # autodiscover: every app's admin module has registered by now
        from aseancal import staff_devices

        staff_devices.register(admin.site)
