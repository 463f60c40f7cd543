"""The Celery application: configured from Django settings (CELERY_* names)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aseancal.settings")

app = Celery("aseancal")
# The app of every thread, not only of the one that imported this module: a task queued by
# name from another thread (a test's live server, a threaded server) must reach this app's
# broker and settings, not Celery's unconfigured fallback app.
app.set_default()
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Autodiscovery finds <app>.tasks only; the import task lives in the imports package.
app.autodiscover_tasks(["meetings.imports"])
