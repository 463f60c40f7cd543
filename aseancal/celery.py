"""The Celery application: configured from Django settings (CELERY_* names)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aseancal.settings")

app = Celery("aseancal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Autodiscovery finds <app>.tasks only; the import task lives in the imports package.
app.autodiscover_tasks(["meetings.imports"])
