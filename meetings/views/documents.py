"""/documents/<id>/<name>: a published document's file, downloaded, never run in the page."""

from django.http import Http404, HttpRequest, HttpResponseBase


def document_file(request: HttpRequest, pk: int, name: str) -> HttpResponseBase:
    raise Http404("No such document.")
