"""/documents/<id>/<name>: a published document's file, downloaded, never run in the page.

Whatever a file holds, the browser is told to save it (`Content-Disposition: attachment`),
to believe the type found from its content (`nosniff`), and, should it show the file
anyway, to run nothing and load nothing (`Content-Security-Policy: default-src 'none';
sandbox`). The policy is set here, so the site's CSP middleware leaves it as it is.
"""

import hashlib

from django.http import FileResponse, Http404, HttpRequest, HttpResponseBase
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.views.decorators.http import require_safe

from meetings import documents
from meetings.models import Document

# A file the public may have: kept by browsers and proxies for a while, then revalidated.
PUBLIC_CACHE = "public, max-age=300"
# A file only staff may see: never kept anywhere.
STAFF_CACHE = "private, no-store"
SANDBOX = "default-src 'none'; sandbox"


@require_safe
def document_file(request: HttpRequest, pk: int, name: str) -> HttpResponseBase:
    """The file of document `pk`, under its download name only; 404 for a link, for a
    document (or meeting, or event) not published unless the user may view it, and for a
    file missing from storage."""
    document = Document.objects.select_related("meeting", "event").filter(pk=pk).first()
    if (
        document is None
        or not document.file
        or name != documents.download_name(document)
        or not documents.downloadable(document, request.user)
    ):
        raise Http404("No such document.")
    headers = _headers(document)
    conditional = get_conditional_response(
        request, etag=headers["ETag"], last_modified=_trusted_since(document)
    )
    if conditional is not None:
        for header, value in headers.items():
            conditional[header] = value
        return conditional
    try:
        handle = document.file.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404("No such document.") from exc
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=documents.download_name(document),
        content_type=document.content_type or "application/octet-stream",
    )
    for header, value in headers.items():
        response[header] = value
    return response


def _headers(document: Document) -> dict[str, str]:
    """What every answer for the file carries, 304s included."""
    # Each upload is stored under a new random name: the name tells one file from another.
    etag = hashlib.sha256((document.file.name or "").encode()).hexdigest()[:32]
    return {
        "ETag": f'"{etag}"',
        "Last-Modified": http_date(int(document.updated_at.timestamp())),
        "Cache-Control": PUBLIC_CACHE if documents.is_public(document) else STAFF_CACHE,
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": SANDBOX,
    }


def _trusted_since(document: Document) -> int | None:
    """The Last-Modified second, once it has passed (a change later in the same second
    would carry the same date)."""
    seconds = int(document.updated_at.timestamp())
    return seconds if seconds < int(timezone.now().timestamp()) else None
