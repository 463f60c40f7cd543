"""A property-based run of the whole API schema against the app itself (schemathesis).

Every operation gets generated requests, valid and invalid, anonymously and with an
editor's token (so writes are exercised too). No response may be a server error, or have a
status, content type or body the schema does not describe.
"""

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token

pytestmark = pytest.mark.django_db

# Bounded for CI (about a minute); raise it locally for a deeper search.
EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "25"))


# Loaded at collection: serving the schema needs no database. (schemathesis's lazy
# from_fixture loader does not run under this pytest.)
schema = schemathesis.openapi.from_wsgi(
    "/api/v1/schema/",
    get_wsgi_application(),
    headers={"Accept": "application/vnd.oai.openapi+json"},
    # Schema-valid input may still name a code, slug or id that does not exist: a 400
    # naming the field is the right answer there, not a failure.
    config=schemathesis.Config.from_dict(
        {"checks": {"positive_data_acceptance": {"enabled": False}}}
    ),
)


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """As Django's test client does: a request must not close the connection that holds the
    test's transaction (PostgreSQL would lose it)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
@pytest.mark.parametrize("as_editor", [False, True], ids=["anonymous", "editor"])
def test_api_conforms_to_its_schema(case, as_editor, demo, editor):
    headers = {}
    if as_editor:
        token, _ = Token.objects.get_or_create(user=editor)
        headers["Authorization"] = f"Token {token.key}"
    case.call_and_validate(headers=headers)
