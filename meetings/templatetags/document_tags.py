"""How documents read on the public pages: where each is read, its language, type and size."""

from django import template

from meetings import documents
from meetings.models import Document

register = template.Library()


@register.filter
def document_link(document: Document) -> str:
    """This site's download address for a file, else the document's https link."""
    return documents.document_link(document)


@register.filter
def language_label(tag: str) -> str:
    """“en” -> “English”; a tag Django does not know is shown as it is."""
    return documents.language_label(tag)


@register.filter
def file_facts(document: Document) -> str:
    """A stored file's type and size, “PDF, 1.2 MB”; empty for a link."""
    return documents.file_facts(document)
