"""Optional TOTP second factor at the admin login, and staff setting up their own device."""

import datetime as dt
from base64 import b32encode

import pytest
from axes.models import AccessAttempt
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from aseancal import backup_codes
from tests.security.conftest import PASSWORD, make_staff

pytestmark = pytest.mark.django_db

CODE_REQUIRED = ["Enter the code from your authenticator app, or one of your backup codes."]
CODE_INVALID = ["That code is not valid. Enter the current code from your authenticator app."]


def current_code(device: TOTPDevice) -> str:
    """The code an authenticator app shows now (the clock is frozen by the test)."""
    device.refresh_from_db()
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def wrong_code(device: TOTPDevice) -> str:
    return f"{(int(current_code(device)) + 500_000) % 1_000_000:06d}"


@pytest.fixture
def editor(db):
    return make_staff("editor", username="editor", password=PASSWORD)


@pytest.fixture
def device(editor):
    return TOTPDevice.objects.create(user=editor, name="phone", confirmed=True)


def session_user(client) -> tuple[str | None, str | None]:
    return client.session.get("_auth_user_id"), client.session.get(DEVICE_ID_SESSION_KEY)


def test_two_factor_missing_code_refused_with_form_error(client, login, device, frozen_now):
    response = login(client, "editor", PASSWORD)

    assert (response.status_code, response.context["form"].errors) == (
        200,
        {"otp_token": CODE_REQUIRED},
    )
    assert session_user(client) == (None, None)


def test_two_factor_wrong_code_refused_and_counted_as_failure(client, login, device, frozen_now):
    response = login(client, "editor", PASSWORD, token=wrong_code(device))

    assert (response.status_code, response.context["form"].errors) == (
        200,
        {"otp_token": CODE_INVALID},
    )
    assert session_user(client) == (None, None)
    assert list(AccessAttempt.objects.values_list("username", "failures_since_start")) == [
        ("editor", 1)
    ]


def test_two_factor_right_code_logs_in_verified(client, login, editor, device, frozen_now):
    response = login(client, "editor", PASSWORD, token=current_code(device))

    assert (response.status_code, response["Location"]) == (302, "/admin/")
    assert session_user(client) == (str(editor.pk), device.persistent_id)
    assert client.get("/admin/").status_code == 200


def test_two_factor_code_used_once_only(client, login, device, frozen_now):
    from django.test import Client

    code = current_code(device)
    first = login(client, "editor", PASSWORD, token=code)
    replay = login(Client(), "editor", PASSWORD, token=code)

    assert (first.status_code, replay.status_code, replay.context["form"].errors) == (
        302,
        200,
        {"otp_token": CODE_INVALID},
    )


def test_two_factor_wrong_codes_meet_the_lock_out(client, login, device, frozen_now):
    statuses = []
    for _ in range(5):
        statuses.append(login(client, "editor", PASSWORD, token=wrong_code(device)).status_code)
        frozen_now.shift(dt.timedelta(seconds=20))  # past the device's own throttle

    right = login(client, "editor", PASSWORD, token=current_code(device))

    assert (statuses, right.status_code, session_user(client)) == (
        [200, 200, 200, 200, 403],
        403,
        (None, None),
    )


def test_two_factor_without_device_password_alone_logs_in(client, login, editor, frozen_now):
    response = login(client, "editor", PASSWORD)

    assert (response.status_code, response["Location"]) == (302, "/admin/")
    assert session_user(client) == (str(editor.pk), None)
    assert client.get("/admin/").status_code == 200


def test_two_factor_unconfirmed_device_not_asked_for(client, login, editor, frozen_now):
    TOTPDevice.objects.create(user=editor, name="not set up yet", confirmed=False)

    response = login(client, "editor", PASSWORD)

    assert (response.status_code, session_user(client)) == (302, (str(editor.pk), None))


def test_two_factor_unverified_session_of_device_owner_sent_to_login(client, editor, device):
    client.force_login(editor)  # a session that never gave a code

    response = client.get("/admin/meetings/meeting/")

    assert (response.status_code, response["Location"]) == (
        302,
        "/admin/login/?next=/admin/meetings/meeting/",
    )


def test_login_page_has_code_field(client):
    page = client.get("/admin/login/").content.decode()

    assert '<label for="id_otp_token">Authenticator code:</label>' in page
    assert 'name="otp_token"' in page
    assert 'autocomplete="one-time-code"' in page


# Setting up a device in the admin -------------------------------------------------------


def add_device(client, name: str = "phone"):
    return client.post("/admin/otp_totp/totpdevice/add/", {"name": name, "_save": "Save"})


def test_device_setup_by_staff_member_confirms_with_a_code(client, frozen_now):
    viewer = make_staff("viewer", username="viewer")
    client.force_login(viewer)

    added = add_device(client)
    device = TOTPDevice.objects.get()
    setup_url = f"/admin/otp_totp/totpdevice/{device.pk}/setup/"
    page = client.get(setup_url)
    qrcode = client.get(f"{setup_url}qrcode.svg")
    refused = client.post(setup_url, {"token": wrong_code(device)})
    frozen_now.shift(dt.timedelta(seconds=5))  # past the throttle after one wrong code
    confirmed = client.post(setup_url, {"token": current_code(device)})
    device.refresh_from_db()

    assert (added.status_code, added["Location"]) == (302, setup_url)
    assert (page.status_code, b32encode(device.bin_key).decode() in page.content.decode()) == (
        200,
        True,
    )
    assert (qrcode.status_code, qrcode["Content-Type"], qrcode.content[:5]) == (
        200,
        "image/svg+xml",
        b"<?xml",
    )
    assert (refused.status_code, refused.context["form"].errors) == (
        200,
        {
            "token": [
                "That code does not match. Check the app shows this account, then enter the "
                "current code."
            ]
        },
    )
    # Confirmed: the page shows the backup codes just issued, once.
    assert (confirmed.status_code, "no-store" in confirmed["Cache-Control"]) == (200, True)
    assert sorted(confirmed.context["codes"]) == sorted(
        StaticToken.objects.filter(device__user=viewer).values_list("token", flat=True)
    )
    assert len(confirmed.context["codes"]) == 10
    assert (device.user, device.confirmed) == (viewer, True)
    # This session proved it holds the device, so the admin stays open.
    assert session_user(client) == (str(viewer.pk), device.persistent_id)
    assert client.get("/admin/").status_code == 200


def test_device_setup_new_device_unconfirmed_until_code(client):
    viewer = make_staff("viewer", username="viewer")
    client.force_login(viewer)

    add_device(client)

    assert list(TOTPDevice.objects.values_list("user__username", "name", "confirmed")) == [
        ("viewer", "phone", False)
    ]
    assert client.get("/admin/").status_code == 200  # nothing asked until confirmed


def test_device_setup_page_and_secret_only_for_owner(client):
    owner = make_staff("editor", username="owner")
    device = TOTPDevice.objects.create(user=owner, name="phone", confirmed=False)
    root = make_staff("superuser", username="root")
    client.force_login(root)
    base = f"/admin/otp_totp/totpdevice/{device.pk}"

    statuses = [
        client.get(f"{base}/setup/").status_code,
        client.get(f"{base}/setup/qrcode.svg").status_code,
        client.post(f"{base}/setup/", {"token": "123456"}).status_code,
        # django-otp's own QR pages are closed: a secret is shown to its owner only.
        client.get(f"{base}/config/").status_code,
        client.get(f"{base}/qrcode/").status_code,
    ]

    assert statuses == [404, 404, 404, 404, 404]


def test_device_list_shows_staff_their_own_devices_only(client):
    viewer = make_staff("viewer", username="viewer")
    other = make_staff("editor", username="other")
    mine = TOTPDevice.objects.create(user=viewer, name="mine", confirmed=True)
    TOTPDevice.objects.create(user=other, name="theirs", confirmed=True)
    client.force_login(viewer)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = mine.persistent_id  # as a login with its code leaves it
    session.save()

    response = client.get("/admin/otp_totp/totpdevice/")

    assert [device.name for device in response.context["cl"].result_list] == ["mine"]


def test_two_factor_unverified_session_may_not_write_through_the_api(client, editor, device):
    """The API accepts a session only where the admin would: skipping the code gains nothing."""
    from meetings.models import Meeting
    from tests.factories import MeetingFactory

    meeting = MeetingFactory(title="Before")
    client.force_login(editor)  # a session that never gave a code

    unverified = client.patch(
        f"/api/v1/meetings/{meeting.slug}/",
        {"title": "Skipped the code"},
        content_type="application/json",
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id  # as a login with its code leaves it
    session.save()
    verified = client.patch(
        f"/api/v1/meetings/{meeting.slug}/",
        {"title": "Gave the code"},
        content_type="application/json",
    )

    assert unverified.status_code == 401
    assert verified.status_code == 200
    assert Meeting.objects.get(pk=meeting.pk).title == "Gave the code"


# Backup codes ------------------------------------------------------------------------


def test_backup_code_logs_in_once_in_place_of_the_apps_code(
    client, login, editor, device, frozen_now
):
    from django.test import Client

    codes = backup_codes.issue(editor)

    first = login(client, "editor", PASSWORD, token=f" {codes[3].upper()} ")
    again = login(Client(), "editor", PASSWORD, token=codes[3])

    assert (first.status_code, first["Location"]) == (302, "/admin/")
    assert client.get("/admin/").status_code == 200
    assert (again.status_code, again.context["form"].errors) == (200, {"otp_token": CODE_INVALID})
    assert backup_codes.remaining(editor) == 9


def test_backup_codes_issued_again_replace_the_old_ones(client, editor, device, frozen_now):
    old = backup_codes.issue(editor)
    client.force_login(editor)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()

    page = client.get("/admin/otp_totp/totpdevice/backup-codes/")
    issued = client.post("/admin/otp_totp/totpdevice/backup-codes/")

    assert (page.status_code, page.context["remaining"]) == (200, 10)
    assert (issued.status_code, len(issued.context["codes"])) == (200, 10)
    assert "no-store" in issued["Cache-Control"].split(", ")
    stored = set(StaticToken.objects.values_list("token", flat=True))
    assert (stored == set(issued.context["codes"]), stored & set(old)) == (True, set())


def test_backup_codes_page_needs_a_confirmed_authenticator(client, editor):
    client.force_login(editor)

    assert client.get("/admin/otp_totp/totpdevice/backup-codes/").status_code == 404
    assert client.post("/admin/otp_totp/totpdevice/backup-codes/").status_code == 404
    assert StaticDevice.objects.count() == 0


def test_backup_codes_go_with_the_last_authenticator(client, login, editor, device, frozen_now):
    backup_codes.issue(editor)
    second = TOTPDevice.objects.create(user=editor, name="tablet", confirmed=True)

    device.delete()
    kept = backup_codes.remaining(editor)
    second.delete()

    assert (kept, backup_codes.remaining(editor), StaticDevice.objects.count()) == (10, 0, 0)
    # No authenticator left: the password alone logs in again.
    assert login(client, "editor", PASSWORD)["Location"] == "/admin/"


def test_backup_codes_are_not_in_the_admin(client):
    superuser = make_staff("superuser", username="root")
    client.force_login(superuser)

    assert client.get("/admin/otp_static/staticdevice/").status_code == 404
