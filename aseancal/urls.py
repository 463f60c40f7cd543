import os

from django.contrib import admin
from django.urls import include, path

from . import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("", include("meetings.urls")),
]

# A database briefly away (restart, fail-over) answers 503 with Retry-After, not 500.
handler500 = "aseancal.errors.server_error"

if os.environ.get("ASEANCAL_BENCH") == "1":
    from . import bench

    urlpatterns.insert(0, path("_bench/bytes/<int:size>", bench.bytes_from_memory))
