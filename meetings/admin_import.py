"""The admin's bulk import (upload, preview, confirm) and CSV/XLSX export of meetings.

The preview is a dry run of the import. The uploaded file waits under
VAR_DIR/imports for the confirmation, which names it by a signed token bound to
the user; the confirmed import applies only if it still plans exactly what the
preview showed, so a calendar edited in between is previewed again.

Large files show progress. In a browser with scripts, the file is uploaded in the
background (a progress bar for the bytes), then the preview is opened by its token
while the page polls the rows checked; a confirmed import polls the rows saved.
An import saving IMPORT_BACKGROUND_ROWS rows or more runs in a thread of the web
process, past the server's request timeout, and the user is sent to a status page
that follows it (refreshing itself without scripts). The progress of each stored
upload is a small JSON file beside it: the web server's processes share VAR_DIR,
while the default cache is per process, and a worker container would not see the
upload at all.
"""

import json
import logging
import os
import secrets
import threading
import time
from functools import partial
from pathlib import Path
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db import connections, transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from meetings.exporter import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, meetings_csv, meetings_xlsx
from meetings.importer import KINDS, MAX_BYTES, ImportFileError, ImportResult, import_calendar
from meetings.models import Meeting

logger = logging.getLogger(__name__)

SIGNING_SALT = "meetings.admin_import"
UPLOAD_MAX_AGE = 60 * 60  # seconds a preview can be confirmed
KEEP_FILES = 24 * 60 * 60  # seconds an upload and its progress are kept
PREVIEW_ROWS = 500  # rows listed in a preview; the counts cover all of them
# Rows to save from which a confirmed import runs in the background (settings may say).
BACKGROUND_ROWS = 500
PROGRESS_EVERY = 0.25  # seconds between two writes of the progress file
# A running import whose progress has not moved for this long lost its process (a
# restart): its transaction was rolled back.
STALLED_AFTER = 5 * 60
STAGES = {"check": "Checked", "save": "Saved"}
EXPORTERS = {
    "csv": (meetings_csv, CSV_CONTENT_TYPE),
    "xlsx": (meetings_xlsx, XLSX_CONTENT_TYPE),
}


def upload_dir() -> Path:
    folder = Path(settings.VAR_DIR) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _forget_old_uploads(folder: Path) -> None:
    cutoff = time.time() - KEEP_FILES
    for stale in [*folder.glob("*.upload"), *folder.glob("*.job")]:
        if stale.stat().st_mtime < cutoff:
            stale.unlink(missing_ok=True)


class ImportJob:
    """The progress of one stored upload's preview and import, as its JSON file says.

    `state` is "running", "ready" (checked, waiting for a confirmation), "done",
    "failed" (bad rows: nothing imported), "stale" (the calendar changed since the
    preview: nothing imported); read back, also "interrupted" (its process stopped)
    or "gone" (over and forgotten, or never started).
    """

    def __init__(self, file: str):
        self.path = upload_dir() / f"{file}.job"
        self._written = 0.0
        self._state: dict = {}

    def read(self) -> dict:
        try:
            state = json.loads(self.path.read_text())
        except (FileNotFoundError, ValueError):
            return {"state": "gone", "stage": "check", "done": 0, "total": 0}
        if state["state"] == "running" and time.time() - state["updated"] > STALLED_AFTER:
            state["state"] = "interrupted"
        return state

    def write(self, **changes) -> None:
        self._state = {**self._state, **changes, "updated": time.time()}
        self._written = self._state["updated"]
        # Replaced whole, so that a reader never sees half a file.
        partial_file = self.path.with_suffix(f".{threading.get_ident()}.tmp")
        partial_file.write_text(json.dumps(self._state))
        os.replace(partial_file, self.path)

    def start(self) -> None:
        self._state = {"state": "running", "stage": "check", "done": 0, "total": 0}
        self.write()

    def progress(self, stage: str, done: int, total: int) -> None:
        """The importer's progress callback: written at most every PROGRESS_EVERY seconds."""
        self._state.update(stage=stage, done=done, total=total)
        if done == total or time.time() - self._written >= PROGRESS_EVERY:
            self.write()

    def finish(self, result: ImportResult) -> None:
        if result.applied:
            state = "done"
        elif result.stale:
            state = "stale"
        elif result.errors:
            state = "failed"
        else:
            state = "ready"
        errors = sorted(result.errors, key=lambda error: error.line)[:PREVIEW_ROWS]
        self.write(
            state=state,
            summary=result.summary(),
            bad_rows=len({error.line for error in result.errors}),
            error_count=len(result.errors),
            errors=[[error.line, error.column, error.message] for error in errors],
        )

    def fail(self, message: str) -> None:
        self.write(state="failed", summary=message, bad_rows=0, error_count=0, errors=[])

    def forget(self) -> None:
        self.path.unlink(missing_ok=True)


def progress_label(state: dict) -> str:
    """What the page says of a job's progress: "Checked 1,200 of 20,000 rows"."""
    if not state["total"]:
        return "Reading the file…"
    verb = STAGES.get(state["stage"], state["stage"].capitalize())
    rows = "row" if state["total"] == 1 else "rows"
    return f"{verb} {state['done']:,} of {state['total']:,} {rows}"


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Calendar file",
        help_text=(
            "CSV (UTF-8), Excel (.xlsx) or iCalendar (.ics). The columns are those of an "
            "export; download one to start from."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        suffix = upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
        if suffix not in KINDS:
            raise forms.ValidationError("Choose a .csv, .xlsx or .ics file.")
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(f"The file is larger than {MAX_BYTES // 2**20} MB.")
        return upload


class ConfirmForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput)
    digest = forms.CharField(widget=forms.HiddenInput)


def _store(request: HttpRequest, upload) -> str:
    folder = upload_dir()
    _forget_old_uploads(folder)
    name = secrets.token_urlsafe(18)
    with (folder / f"{name}.upload").open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    ImportJob(name).start()
    return signing.dumps(
        {"file": name, "name": upload.name, "user": request.user.pk}, salt=SIGNING_SALT
    )


def _token_data(request: HttpRequest, token: str, max_age: int = UPLOAD_MAX_AGE) -> dict:
    """What a token names, if it is this user's and not expired."""
    try:
        data = signing.loads(token, salt=SIGNING_SALT, max_age=max_age)
    except signing.BadSignature as exc:
        raise ImportFileError("This preview has expired: upload the file again.") from exc
    if data.get("user") != request.user.pk:
        raise ImportFileError("This preview has expired: upload the file again.")
    return data


def _stored(request: HttpRequest, token: str) -> tuple[Path, str]:
    """The stored upload a token names, if it is this user's and not expired."""
    data = _token_data(request, token)
    file = upload_dir() / f"{data['file']}.upload"
    if not file.is_file():
        raise ImportFileError("This preview has expired: upload the file again.")
    return file, data["name"]


def _upload_again(request: HttpRequest, message: str) -> HttpResponseRedirect:
    """Back to the upload form, saying why (an expired or foreign token, a lost file)."""
    messages.error(request, message)
    return HttpResponseRedirect(reverse("admin:meetings_meeting_import"))


def _job(request: HttpRequest, token: str) -> tuple[ImportJob, str]:
    """The job of this user's token, else 404: nobody else learns that it exists."""
    try:
        data = _token_data(request, token, max_age=KEEP_FILES)
    except ImportFileError as exc:
        raise Http404("No such import.") from exc
    return ImportJob(data["file"]), data["name"]


def _with_token(url_name: str, token: str) -> str:
    return f"{reverse(url_name)}?{urlencode({'token': token})}"


def _can_import(model_admin, request: HttpRequest) -> None:
    if not (model_admin.has_add_permission(request) and model_admin.has_change_permission(request)):
        raise PermissionDenied


def _render(
    request: HttpRequest,
    model_admin,
    context: dict,
    status: int = 200,
    template: str = "admin/meetings/meeting_import.html",
):
    opts = model_admin.model._meta
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": opts,
        "title": "Import meetings",
        "has_view_permission": model_admin.has_view_permission(request),
        "preview_rows": PREVIEW_ROWS,
        **context,
    }
    if (result := context.get("result")) is not None:
        context |= _listing(result)
    return TemplateResponse(request, template, context, status=status)


def _listing(result: ImportResult) -> dict:
    created = [plan for plan in result.plans if plan.action == "create"]
    changed = [plan for plan in result.plans if plan.action == "change"]
    errors = sorted(result.errors, key=lambda error: error.line)
    return {
        "created": created[:PREVIEW_ROWS],
        "changed": changed[:PREVIEW_ROWS],
        "errors": errors[:PREVIEW_ROWS],
        "more_created": max(0, len(created) - PREVIEW_ROWS),
        "more_changed": max(0, len(changed) - PREVIEW_ROWS),
        "more_errors": max(0, len(errors) - PREVIEW_ROWS),
        "bad_rows": len({error.line for error in result.errors}),
    }


def _wants_json(request: HttpRequest) -> bool:
    return request.headers.get("Accept", "").startswith("application/json")


def import_view(model_admin, request: HttpRequest) -> HttpResponse:
    """Upload a file and preview it; confirming the preview imports it.

    A script uploads with `Accept: application/json` and is answered with where to
    open the preview (GET ?token=...) and to follow its progress.
    """
    _can_import(model_admin, request)
    if request.method == "POST" and "token" in request.POST:
        return _confirm(model_admin, request)
    if request.method != "POST" and "token" in request.GET:
        return _preview(model_admin, request, request.GET["token"])
    form = ImportForm(request.POST, request.FILES) if request.method == "POST" else ImportForm()
    if not form.is_bound or not form.is_valid():
        if form.is_bound and _wants_json(request):
            return JsonResponse({"errors": form.errors}, status=400)
        return _render(request, model_admin, {"form": form}, status=400 if form.errors else 200)
    token = _store(request, form.cleaned_data["file"])
    if _wants_json(request):
        return JsonResponse(
            {
                "preview": _with_token("admin:meetings_meeting_import", token),
                "progress": _with_token("admin:meetings_meeting_import_progress", token),
            }
        )
    return _preview(model_admin, request, token, form)


def _preview(
    model_admin, request: HttpRequest, token: str, form: ImportForm | None = None
) -> HttpResponse:
    """The dry run of a stored upload, reporting its progress as it goes."""
    try:
        file, name = _stored(request, token)
    except ImportFileError as exc:
        return _upload_again(request, str(exc))
    job = ImportJob(file.stem)
    job.start()
    try:
        result = import_calendar(
            file.read_bytes(), name=name, by=request.user, dry_run=True, progress=job.progress
        )
    except ImportFileError as exc:
        file.unlink(missing_ok=True)
        job.fail(str(exc))
        form = form or ImportForm()
        form.add_error("file", str(exc))
        return _render(request, model_admin, {"form": form}, status=400)
    job.finish(result)
    if not result.ok:
        file.unlink(missing_ok=True)
    confirm = ConfirmForm(initial={"token": token, "digest": result.digest}) if result.ok else None
    return _render(
        request,
        model_admin,
        {
            "form": ImportForm(),
            "result": result,
            "confirm": confirm,
            "progress_url": _with_token("admin:meetings_meeting_import_progress", token),
        },
        status=200 if result.ok else 400,
    )


def _background_rows() -> int:
    return getattr(settings, "IMPORT_BACKGROUND_ROWS", BACKGROUND_ROWS)


def _confirm(model_admin, request: HttpRequest) -> HttpResponse:
    confirm = ConfirmForm(request.POST)
    if not confirm.is_valid():
        return _render(request, model_admin, {"form": ImportForm()}, status=400)
    token, digest = confirm.cleaned_data["token"], confirm.cleaned_data["digest"]
    try:
        file, name = _stored(request, token)
    except ImportFileError as exc:
        return _upload_again(request, str(exc))
    job = ImportJob(file.stem)
    job.start()
    data = file.read_bytes()
    # Checked here, so that a changed calendar or a bad row is shown at once; the import
    # checks again as it applies.
    result = import_calendar(
        data,
        name=name,
        by=request.user,
        dry_run=True,
        expected_digest=digest,
        progress=job.progress,
    )
    if result.ok and not result.stale:
        to_save = result.count("create") + result.count("change")
        if to_save >= _background_rows():
            run = partial(_apply_in_background, job, file, name, request.user.pk, digest)
            thread = threading.Thread(target=run, name=f"meeting-import-{file.stem}", daemon=True)
            transaction.on_commit(thread.start)
            return HttpResponseRedirect(_with_token("admin:meetings_meeting_import_status", token))
        result = import_calendar(
            data, name=name, by=request.user, expected_digest=digest, progress=job.progress
        )
    job.finish(result)
    if result.stale or not result.ok:
        if result.stale:
            messages.warning(
                request,
                "The calendar changed since the preview. Check the new preview and confirm.",
            )
        fresh = ConfirmForm(initial={"token": token, "digest": result.digest})
        return _render(
            request,
            model_admin,
            {
                "form": ImportForm(),
                "result": result,
                "confirm": fresh if result.ok else None,
                "progress_url": _with_token("admin:meetings_meeting_import_progress", token),
            },
            status=409,
        )
    file.unlink(missing_ok=True)
    job.forget()
    model_admin.message_user(request, f"{name}: {result.summary()}", messages.SUCCESS)
    return HttpResponseRedirect(reverse("admin:meetings_meeting_changelist"))


def _apply_in_background(job: ImportJob, file: Path, name: str, user_pk: int, digest: str):
    """Apply a confirmed import in this thread, all or nothing, reporting to its job."""
    try:
        user = get_user_model().objects.get(pk=user_pk)
        result = import_calendar(
            file.read_bytes(),
            name=name,
            by=user,
            expected_digest=digest,
            progress=job.progress,
        )
        job.finish(result)
        if result.applied:
            file.unlink(missing_ok=True)
    except Exception:
        logger.exception("The import of %s failed", name)
        job.fail("The import stopped on an error: nothing was imported.")
    finally:
        connections.close_all()


def progress_view(model_admin, request: HttpRequest) -> JsonResponse:
    """The progress of the requesting user's upload: rows done of the total, and its state."""
    _can_import(model_admin, request)
    job, _name = _job(request, request.GET.get("token", ""))
    state = job.read()
    return JsonResponse(
        {
            "state": state["state"],
            "stage": state["stage"],
            "done": state["done"],
            "total": state["total"],
            "label": progress_label(state),
            "bad_rows": state.get("bad_rows", 0),
        }
    )


def status_view(model_admin, request: HttpRequest) -> HttpResponse:
    """A confirmed import running in the background: its progress, then its outcome."""
    _can_import(model_admin, request)
    token = request.GET.get("token", "")
    job, name = _job(request, token)
    state = job.read()
    if state["state"] == "done":
        job.forget()
        model_admin.message_user(request, f"{name}: {state['summary']}", messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:meetings_meeting_changelist"))
    if state["state"] in ("gone", "ready"):
        messages.info(request, f"No import of {name} is running.")
        return HttpResponseRedirect(reverse("admin:meetings_meeting_import"))
    errors = [
        {"line": line, "column": column, "message": message}
        for line, column, message in state.get("errors", [])
    ]
    return _render(
        request,
        model_admin,
        {
            "title": f"Importing {name}",
            "name": name,
            "job": state,
            "label": progress_label(state),
            "errors": errors,
            "more_errors": state.get("error_count", 0) - len(errors),
            "progress_url": _with_token("admin:meetings_meeting_import_progress", token),
            "preview_url": _with_token("admin:meetings_meeting_import", token),
        },
        template="admin/meetings/meeting_import_status.html",
    )


def _download(meetings: QuerySet[Meeting], kind: str) -> HttpResponse:
    build, content_type = EXPORTERS[kind]
    response = HttpResponse(build(meetings), content_type=content_type)
    stamp = timezone.now().strftime("%Y-%m-%d")
    response["Content-Disposition"] = f'attachment; filename="meetings-{stamp}.{kind}"'
    return response


def export_view(model_admin, request: HttpRequest, kind: str) -> HttpResponse:
    """The meetings the changelist shows with its current filters and search."""
    if kind not in EXPORTERS:
        return HttpResponse(
            f"Unknown export format “{kind}”: use csv or xlsx.",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    try:
        changelist = model_admin.get_changelist_instance(request)
    except IncorrectLookupParameters:
        messages.error(request, "The filters could not be read; nothing was exported.")
        return HttpResponseRedirect(reverse("admin:meetings_meeting_changelist"))
    return _download(changelist.get_queryset(request), kind)


@admin.action(description="Export the selected meetings (CSV)", permissions=["view"])
def export_csv(model_admin, request: HttpRequest, queryset: QuerySet[Meeting]) -> HttpResponse:
    return _download(queryset, "csv")


@admin.action(description="Export the selected meetings (Excel)", permissions=["view"])
def export_xlsx(model_admin, request: HttpRequest, queryset: QuerySet[Meeting]) -> HttpResponse:
    return _download(queryset, "xlsx")


def import_export_urls(model_admin) -> list:
    """The import pages and the filtered export, for MeetingAdmin.get_urls."""
    wrap = model_admin.admin_site.admin_view
    return [
        path(
            "import/",
            wrap(partial(import_view, model_admin)),
            name="meetings_meeting_import",
        ),
        path(
            "import/progress/",
            wrap(partial(progress_view, model_admin)),
            name="meetings_meeting_import_progress",
        ),
        path(
            "import/status/",
            wrap(partial(status_view, model_admin)),
            name="meetings_meeting_import_status",
        ),
        path(
            "export/<str:kind>/",
            wrap(partial(export_view, model_admin)),
            name="meetings_meeting_export",
        ),
    ]
