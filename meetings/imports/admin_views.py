"""The admin's bulk import (upload, preview, confirm) and CSV/XLSX export of meetings.

The preview is a dry run of the import. The uploaded file waits under
VAR_DIR/imports for the confirmation, which names it by a signed token bound to
the user; the confirmed import applies only if it still plans exactly what the
preview showed, so a calendar edited in between is previewed again.

Large files show progress. In a browser with scripts, the file is uploaded in the
background (a progress bar for the bytes), then the preview is opened by its token
while the page polls the rows checked; a confirmed import polls the rows saved.
An import saving IMPORT_BACKGROUND_ROWS rows or more is queued, once the request
commits, as a Celery task (meetings.imports.tasks), past the server's request
timeout, and the user is sent to a status page that follows it (refreshing itself
without scripts). The progress of each stored upload is a small JSON file beside it
(meetings.imports.jobs).
"""

import secrets
from functools import partial
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.auth.models import AbstractBaseUser
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone

from meetings.imports.apply import import_calendar
from meetings.imports.export import (
    CSV_CONTENT_TYPE,
    XLSX_CONTENT_TYPE,
    meetings_csv,
    meetings_xlsx,
)
from meetings.imports.jobs import (
    KEEP_FILES,
    PREVIEW_ROWS,
    ImportJob,
    forget_old_uploads,
    progress_label,
    upload_dir,
)
from meetings.imports.read import KINDS, MAX_BYTES
from meetings.imports.results import ImportFileError, ImportResult
from meetings.imports.tasks import apply_import_on_commit
from meetings.models import Meeting

SIGNING_SALT = "meetings.admin_import"  # tokens signed before the move stay valid
UPLOAD_MAX_AGE = 60 * 60  # seconds a preview can be confirmed
# Rows to save from which a confirmed import runs in the background (settings may say).
BACKGROUND_ROWS = 500
EXPORTERS = {
    "csv": (meetings_csv, CSV_CONTENT_TYPE),
    "xlsx": (meetings_xlsx, XLSX_CONTENT_TYPE),
}
EXPIRED = "This preview has expired: upload the file again."
FAILED = "The file could not be checked: nothing was imported."


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Calendar file",
        help_text=(
            "CSV (UTF-8), Excel (.xlsx) or iCalendar (.ics). The columns are those of an "
            "export; download one to start from."
        ),
    )

    def clean_file(self) -> UploadedFile:
        """A .csv, .xlsx or .ics file of at most MAX_BYTES."""
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


def _store(request: HttpRequest, upload: UploadedFile) -> str:
    """Keep the upload under VAR_DIR/imports; the signed token naming it for this user."""
    folder = upload_dir()
    forget_old_uploads(folder)
    name = secrets.token_urlsafe(18)
    with (folder / f"{name}.upload").open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    ImportJob(name).start()
    return signing.dumps(
        {"file": name, "name": upload.name, "user": request.user.pk}, salt=SIGNING_SALT
    )


def _token_data(request: HttpRequest, token: str, max_age: int = UPLOAD_MAX_AGE) -> dict[str, Any]:
    """What a token names, if it is this user's and not expired."""
    try:
        data = signing.loads(token, salt=SIGNING_SALT, max_age=max_age)
    except signing.BadSignature as exc:
        raise ImportFileError(EXPIRED) from exc
    if data.get("user") != request.user.pk:
        raise ImportFileError(EXPIRED)
    return dict(data)


def _stored(request: HttpRequest, token: str) -> tuple[ImportJob, str]:
    """The job of the stored upload a token names, if it is this user's, not expired and
    still there; and the file's name."""
    data = _token_data(request, token)
    job = ImportJob(data["file"])
    if not job.upload.is_file():
        raise ImportFileError(EXPIRED)
    return job, data["name"]


def _upload_again(request: HttpRequest, message: str) -> HttpResponseRedirect:
    """Back to the upload form, saying why (an expired or foreign token, a lost file)."""
    messages.error(request, message)
    return HttpResponseRedirect(reverse("admin:meetings_meeting_import"))


def imported_message(name: str, summary: str) -> str:
    """The message after an import. The admin capitalises a message's first letter, so the
    file's name, kept exactly as given ("plan.csv"), must not open it."""
    return f"Imported {name}: {summary}"


def _job(request: HttpRequest, token: str) -> tuple[ImportJob, str]:
    """The job of this user's token, else 404: nobody else learns that it exists."""
    try:
        data = _token_data(request, token, max_age=KEEP_FILES)
    except ImportFileError as exc:
        raise Http404("No such import.") from exc
    return ImportJob(data["file"]), data["name"]


def _with_token(url_name: str, token: str) -> str:
    return f"{reverse(url_name)}?{urlencode({'token': token})}"


def _can_import(model_admin: admin.ModelAdmin, request: HttpRequest) -> None:
    if not (model_admin.has_add_permission(request) and model_admin.has_change_permission(request)):
        raise PermissionDenied


def _staff(request: HttpRequest) -> AbstractBaseUser:
    """The signed-in user (the admin lets no one else in)."""
    if not isinstance(request.user, AbstractBaseUser):
        raise PermissionDenied
    return request.user


def _render(
    request: HttpRequest,
    model_admin: admin.ModelAdmin,
    context: dict[str, Any],
    status: int = 200,
    template: str = "admin/meetings/meeting_import.html",
) -> TemplateResponse:
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


def _listing(result: ImportResult) -> dict[str, Any]:
    """The rows a preview lists (PREVIEW_ROWS of each kind at most) and how many more."""
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


def _result_page(
    request: HttpRequest,
    model_admin: admin.ModelAdmin,
    token: str,
    result: ImportResult,
    status: int,
) -> TemplateResponse:
    """The upload form above a result: its counts, rows and errors, and the confirmation
    of a good plan."""
    confirm = ConfirmForm(initial={"token": token, "digest": result.digest}) if result.ok else None
    context = {
        "form": ImportForm(),
        "result": result,
        "confirm": confirm,
        "progress_url": _with_token("admin:meetings_meeting_import_progress", token),
    }
    return _render(request, model_admin, context, status=status)


def _wants_json(request: HttpRequest) -> bool:
    return request.headers.get("Accept", "").startswith("application/json")


def import_view(model_admin: admin.ModelAdmin, request: HttpRequest) -> HttpResponse:
    """Upload a file and preview it; confirming the preview imports it.

    A script uploads with `Accept: application/json` and is answered with where to
    open the preview (GET ?token=...) and to follow its progress.
    """
    _can_import(model_admin, request)
    if request.method == "POST" and "token" in request.POST:
        return _confirm(model_admin, request)
    if request.method != "POST" and "token" in request.GET:
        return _preview(model_admin, request, request.GET["token"])
    if request.method != "POST":
        return _render(request, model_admin, {"form": ImportForm()})
    return _upload(model_admin, request)


def _upload(model_admin: admin.ModelAdmin, request: HttpRequest) -> HttpResponse:
    """Store a posted file and preview it, or say where a script previews and follows it."""
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        if _wants_json(request):
            return JsonResponse({"errors": form.errors}, status=400)
        return _render(request, model_admin, {"form": form}, status=400)
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
    model_admin: admin.ModelAdmin,
    request: HttpRequest,
    token: str,
    form: ImportForm | None = None,
) -> HttpResponse:
    """The dry run of a stored upload, reporting its progress as it goes."""
    try:
        job, name = _stored(request, token)
    except ImportFileError as exc:
        return _upload_again(request, str(exc))
    job.start()
    try:
        result = import_calendar(
            job.upload.read_bytes(),
            name=name,
            by=_staff(request),
            dry_run=True,
            progress=job.progress,
        )
    except ImportFileError as exc:
        job.discard(str(exc))
        form = form or ImportForm()
        form.add_error("file", str(exc))
        return _render(request, model_admin, {"form": form}, status=400)
    except BaseException:
        job.discard(FAILED)  # whatever stopped the preview, no upload is left behind
        raise
    job.finish(result)
    if not result.ok:
        job.upload.unlink(missing_ok=True)
    return _result_page(request, model_admin, token, result, status=200 if result.ok else 400)


def _background_rows() -> int:
    return int(getattr(settings, "IMPORT_BACKGROUND_ROWS", BACKGROUND_ROWS))


def _confirm(model_admin: admin.ModelAdmin, request: HttpRequest) -> HttpResponse:
    """Apply a confirmed preview if it still plans what was shown; a large one as a task."""
    confirm = ConfirmForm(request.POST)
    if not confirm.is_valid():
        return _render(request, model_admin, {"form": ImportForm()}, status=400)
    token, digest = confirm.cleaned_data["token"], confirm.cleaned_data["digest"]
    try:
        job, name = _stored(request, token)
    except ImportFileError as exc:
        return _upload_again(request, str(exc))
    job.start()
    data, user = job.upload.read_bytes(), _staff(request)
    # Checked here, so that a changed calendar or a bad row is shown at once; the import
    # checks again as it applies.
    run = partial(import_calendar, data, name=name, by=user, expected_digest=digest)
    try:
        result = run(dry_run=True, progress=job.progress)
        if result.ok and not result.stale:
            if result.count("create") + result.count("change") >= _background_rows():
                apply_import_on_commit(job, name, user.pk, digest)
                return HttpResponseRedirect(
                    _with_token("admin:meetings_meeting_import_status", token)
                )
            result = run(progress=job.progress)
    except BaseException:
        job.discard(FAILED)
        raise
    job.finish(result)
    if result.stale or not result.ok:
        return _refused(request, model_admin, token, result)
    job.upload.unlink(missing_ok=True)
    job.forget()
    model_admin.message_user(request, imported_message(name, result.summary()), messages.SUCCESS)
    return HttpResponseRedirect(reverse("admin:meetings_meeting_changelist"))


def _refused(
    request: HttpRequest, model_admin: admin.ModelAdmin, token: str, result: ImportResult
) -> TemplateResponse:
    """A confirmation that imported nothing: the calendar changed, or a row went bad."""
    if result.stale:
        messages.warning(
            request,
            "The calendar changed since the preview. Check the new preview and confirm.",
        )
    return _result_page(request, model_admin, token, result, status=409)


def progress_view(model_admin: admin.ModelAdmin, request: HttpRequest) -> JsonResponse:
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


def status_view(model_admin: admin.ModelAdmin, request: HttpRequest) -> HttpResponse:
    """A confirmed import running in the background: its progress, then its outcome."""
    _can_import(model_admin, request)
    token = request.GET.get("token", "")
    job, name = _job(request, token)
    state = job.read()
    if state["state"] == "done":
        job.forget()
        model_admin.message_user(
            request, imported_message(name, state["summary"]), messages.SUCCESS
        )
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


def export_view(model_admin: admin.ModelAdmin, request: HttpRequest, kind: str) -> HttpResponse:
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
def export_csv(
    model_admin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Meeting]
) -> HttpResponse:
    return _download(queryset, "csv")


@admin.action(description="Export the selected meetings (Excel)", permissions=["view"])
def export_xlsx(
    model_admin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Meeting]
) -> HttpResponse:
    return _download(queryset, "xlsx")


def import_export_urls(model_admin: admin.ModelAdmin) -> list[URLPattern]:
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
