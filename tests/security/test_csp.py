"""The Content-Security-Policy on public pages, the admin and the API's HTML pages."""

import re

import pytest

from aseancal.settings import style_hash
from tests.factories import MeetingFactory

pytestmark = pytest.mark.django_db

SITE_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    # Only two exact style attributes: "border-top: 0" (django-simple-history's paginator)
    # and the body of templates/500.html.
    "style-src-attr": [
        "'unsafe-hashes'",
        "'sha256-XMXSevYjgSjXgRafBFDvtjwX+yyWLrxfso9DcNZ9UXM='",
        "'sha256-vw6k8i+96b+vScYAu6e6jEx9v5aVqJiRubEMebQ6mn8='",
    ],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
# The browsable API and Swagger UI write inline styles; scripts stay as strict.
API_POLICY = SITE_POLICY | {
    "style-src": ["'self'", "'unsafe-inline'"],
    "style-src-attr": ["'unsafe-inline'"],
}


def policy(response) -> dict[str, list[str]]:
    directives = (part.split() for part in response["Content-Security-Policy"].split(";"))
    return {words[0]: words[1:] for words in directives if words}


def test_csp_public_meeting_page(client):
    meeting = MeetingFactory()

    response = client.get(meeting.get_absolute_url())

    assert (response.status_code, policy(response)) == (200, SITE_POLICY)


def test_csp_admin_login_page(client):
    response = client.get("/admin/login/")

    assert (response.status_code, policy(response)) == (200, SITE_POLICY)


def test_csp_api_docs_page_and_its_script(client):
    page = client.get("/api/v1/docs/")
    script = client.get("/api/v1/docs/?script=")

    assert (page.status_code, policy(page)) == (200, API_POLICY)
    # The set-up Swagger UI runs is a same-origin script file, allowed by script-src 'self'.
    assert (script.status_code, script["Content-Type"]) == (200, "application/javascript")
    assert '<script src="/api/v1/docs/?script="></script>' in page.content.decode()


@pytest.mark.parametrize("path", ["/", "/admin/login/", "/api/v1/docs/", "/api/v1/meetings/"])
def test_csp_no_inline_script_anywhere(client, path):
    found = policy(client.get(path, HTTP_ACCEPT="text/html"))

    assert (found["script-src"], found["default-src"], found["object-src"]) == (
        ["'self'"],
        ["'self'"],
        ["'none'"],
    )


def test_csp_allows_every_style_attribute_in_the_site_templates(settings):
    """A style="..." added to a page template must be hashed in settings, or it is dropped."""
    templates = settings.BASE_DIR / "templates"
    mails = templates / "meetings" / "mail"  # mail is read in mail clients, not under the CSP
    found = {
        css
        for path in templates.rglob("*.html")
        if mails not in path.parents
        for css in re.findall(r'style="([^"]*)"', path.read_text())
    }
    allowed = SITE_POLICY["style-src-attr"]

    assert sorted(css for css in found if style_hash(css) not in allowed) == []
    assert found == set(settings.INLINE_STYLE_ATTRIBUTES) - {"border-top: 0"}


def _view_with(decorate=None, nonce=False):
    from django.http import HttpResponse

    def view(request):
        body = f"<script nonce='{request.csp_nonce}'></script>" if nonce else "plain"
        return HttpResponse(body)

    return decorate(view) if decorate else view


def _through_middleware(rf, view, path="/somewhere/"):
    from aseancal.csp import PolicyMiddleware

    return PolicyMiddleware(view)(rf.get(path))


def test_csp_header_is_the_same_built_once_or_each_time(rf):
    """The memoised header equals django-csp's own for the site and for the API pages."""
    site = _through_middleware(rf, _view_with())
    again = _through_middleware(rf, _view_with())
    api = _through_middleware(rf, _view_with(), path="/api/v1/meetings/")

    assert (policy(site), policy(again), policy(api)) == (SITE_POLICY, SITE_POLICY, API_POLICY)


def test_csp_nonce_and_decorators_still_apply_per_response(rf, settings):
    from csp.constants import NONCE
    from csp.decorators import csp_exempt, csp_update

    directives = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    settings.CONTENT_SECURITY_POLICY = {
        "DIRECTIVES": directives | {"script-src": [*directives["script-src"], NONCE]}
    }
    with_nonce = _through_middleware(rf, _view_with(nonce=True))
    nonce = re.search(r"nonce='([^']+)'", with_nonce.content.decode())[1]
    updated = _through_middleware(rf, _view_with(csp_update({"img-src": "https://maps.example"})))
    exempt = _through_middleware(rf, _view_with(csp_exempt()))
    plain = _through_middleware(rf, _view_with())

    assert policy(with_nonce)["script-src"] == ["'self'", f"'nonce-{nonce}'"]
    assert policy(updated)["img-src"] == ["'self'", "data:", "https://maps.example"]
    assert "Content-Security-Policy" not in exempt
    assert policy(plain) == SITE_POLICY | {"script-src": ["'self'"]}


def test_csp_header_follows_a_settings_change(rf, settings):
    _through_middleware(rf, _view_with())  # remembers the header for these settings
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'none'"]}}

    assert policy(_through_middleware(rf, _view_with())) == {"default-src": ["'none'"]}
