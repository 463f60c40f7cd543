"""The admin's bulk import (upload, preview, confirm) and CSV/XLSX export of meetings.

The preview is a dry run of the import. The uploaded file waits under
VAR_DIR/imports for the confirmation, which names it by a signed token bound to
the user; the confirmed import applies only if it still plans exactly what the
preview showed, so a calendar edited in between is previewed again.
"""

import secrets
import time
from functools import partial
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from meetings.exporter import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, meetings_csv, meetings_xlsx
from meetings.importer import KINDS, MAX_BYTES, ImportFileError, ImportResult, import_calendar
from meetings.models import Meeting

SIGNING_SALT = "meetings.admin_import"
UPLOAD_MAX_AGE = 60 * 60  # seconds a preview can be confirmed
PREVIEW_ROWS = 500  # rows listed in a preview; the counts cover all of them
EXPORTERS = {
    "csv": (meetings_csv, CSV_CONTENT_TYPE),
    "xlsx": (meetings_xlsx, XLSX_CONTENT_TYPE),
}


def upload_dir() -> Path:
    folder = Path(settings.VAR_DIR) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _forget_old_uploads(folder: Path) -> None:
    cutoff = time.time() - 24 * 60 * 60
    for stale in folder.glob("*.upload"):
        if stale.stat().st_mtime < cutoff:
            stale.unlink(missing_ok=True)


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
    return signing.dumps(
        {"file": name, "name": upload.name, "user": request.user.pk}, salt=SIGNING_SALT
    )


def _stored(request: HttpRequest, token: str) -> tuple[Path, str]:
    """The stored upload a token names, if it is this user's and not expired."""
    try:
        data = signing.loads(token, salt=SIGNING_SALT, max_age=UPLOAD_MAX_AGE)
    except signing.BadSignature as exc:
        raise ImportFileError("This preview has expired: upload the file again.") from exc
    file = upload_dir() / f"{data['file']}.upload"
    if data.get("user") != request.user.pk or not file.is_file():
        raise ImportFileError("This preview has expired: upload the file again.")
    return file, data["name"]


def _render(request: HttpRequest, model_admin, context: dict, status: int = 200):
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
    return TemplateResponse(request, "admin/meetings/meeting_import.html", context, status=status)


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


def import_view(model_admin, request: HttpRequest) -> HttpResponse:
    """Upload a file and preview it; confirming the preview imports it."""
    if not (model_admin.has_add_permission(request) and model_admin.has_change_permission(request)):
        raise PermissionDenied
    if request.method == "POST" and "token" in request.POST:
        return _confirm(model_admin, request)
    form = ImportForm(request.POST, request.FILES) if request.method == "POST" else ImportForm()
    if not form.is_bound or not form.is_valid():
        return _render(request, model_admin, {"form": form}, status=400 if form.errors else 200)
    upload = form.cleaned_data["file"]
    token = _store(request, upload)
    file, name = _stored(request, token)
    try:
        result = import_calendar(file.read_bytes(), name=name, by=request.user, dry_run=True)
    except ImportFileError as exc:
        file.unlink(missing_ok=True)
        form.add_error("file", str(exc))
        return _render(request, model_admin, {"form": form}, status=400)
    if not result.ok:
        file.unlink(missing_ok=True)
    confirm = ConfirmForm(initial={"token": token, "digest": result.digest}) if result.ok else None
    return _render(
        request,
        model_admin,
        {"form": ImportForm(), "result": result, "confirm": confirm},
        status=200 if result.ok else 400,
    )


def _confirm(model_admin, request: HttpRequest) -> HttpResponse:
    confirm = ConfirmForm(request.POST)
    if not confirm.is_valid():
        return _render(request, model_admin, {"form": ImportForm()}, status=400)
    try:
        file, name = _stored(request, confirm.cleaned_data["token"])
    except ImportFileError as exc:
        messages.error(request, str(exc))
        return HttpResponseRedirect(request.path)
    result = import_calendar(
        file.read_bytes(),
        name=name,
        by=request.user,
        expected_digest=confirm.cleaned_data["digest"],
    )
    if result.stale or not result.ok:
        if result.stale:
            messages.warning(
                request,
                "The calendar changed since the preview. Check the new preview and confirm.",
            )
        fresh = ConfirmForm(
            initial={"token": confirm.cleaned_data["token"], "digest": result.digest}
        )
        return _render(
            request,
            model_admin,
            {"form": ImportForm(), "result": result, "confirm": fresh if result.ok else None},
            status=409,
        )
    file.unlink(missing_ok=True)
    model_admin.message_user(request, f"{name}: {result.summary()}", messages.SUCCESS)
    return HttpResponseRedirect(reverse("admin:meetings_meeting_changelist"))


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
    """The import page and the filtered export, for MeetingAdmin.get_urls."""
    wrap = model_admin.admin_site.admin_view
    return [
        path(
            "import/",
            wrap(partial(import_view, model_admin)),
            name="meetings_meeting_import",
        ),
        path(
            "export/<str:kind>/",
            wrap(partial(export_view, model_admin)),
            name="meetings_meeting_export",
        ),
    ]
