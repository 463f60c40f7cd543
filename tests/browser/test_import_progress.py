"""The admin's import in a real browser: the progress of the upload, the check and the import."""

import re

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings as django_settings
from django.test import Client
from kombu import pools as kombu_pools

from aseancal.celery import app as celery_app
from meetings.models import Meeting
from tests.browser.conftest import WRITES

pytestmark = [pytest.mark.browser, WRITES]

HEADER = "slug,format,number,title,venue,first_day,start_time,last_day,end_time,timezone,published"
ROWS = 20_000  # the most a file may hold: its check takes seconds, long enough to follow
# Every text a visible progress bar shows, with its value and max, kept across pages.
RECORD_PROGRESS = """
new MutationObserver(() => {
  const seen = JSON.parse(sessionStorage.getItem("seen") || "[]");
  for (const box of document.querySelectorAll(".import-progress:not([hidden])")) {
    const bar = box.querySelector("progress");
    const text = box.querySelector(".import-progress-label").textContent;
    const entry = [text, bar.hasAttribute("value") ? bar.value : null, bar.max];
    if (text && JSON.stringify(seen.at(-1)) !== JSON.stringify(entry)) {
      seen.push(entry);
      sessionStorage.setItem("seen", JSON.stringify(seen));
    }
  }
}).observe(document, {subtree: true, childList: true, characterData: true, attributes: true});
"""


def calendar_file(folder, count: int):
    """A file creating `count` meetings: AMM 101, AMM 102, ..."""
    lines = [HEADER] + [
        f",AMM,{100 + n},,Phnom Penh,2030-08-03,09:00,2030-08-03,12:00,,yes"
        for n in range(1, count + 1)
    ]
    path = folder / "plan.csv"
    path.write_text("\n".join(lines))
    return path


def logged_in_tab(open_tab, live_server, user):
    client = Client()
    client.force_login(user)
    tab = open_tab()
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    tab.context.add_cookies(
        [{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )
    tab.page.add_init_script(RECORD_PROGRESS)
    return tab


@pytest.fixture
def import_worker(monkeypatch):
    """A Celery worker in a thread of this process, on an in-memory broker: it runs the
    import task as the worker container does, on the live server's database."""
    conf = celery_app.conf
    before = (conf.broker_url, conf.broker_transport_options)
    # Celery reads CELERY_BROKER_URL from the environment before its own settings.
    monkeypatch.setenv("CELERY_BROKER_URL", "memory://")
    conf.broker_url, conf.broker_transport_options = "memory://", {}
    forget_connections()
    try:
        with start_worker(celery_app, perform_ping_check=False, shutdown_timeout=60):
            yield
    finally:
        conf.broker_url, conf.broker_transport_options = before
        forget_connections()


def forget_connections() -> None:
    """Drop the app's pooled broker connections, made for the broker it had before."""
    kombu_pools.reset()
    celery_app._pool = None
    celery_app.__dict__.pop("amqp", None)


def label(page) -> str:
    return page.locator("#import-progress .import-progress-label").inner_text()


def test_import_upload_shows_progress_then_preview(
    open_tab, live_server, fresh_demo_site, superuser, settings, tmp_path
):
    settings.VAR_DIR = tmp_path
    file = calendar_file(tmp_path, ROWS)
    tab = logged_in_tab(open_tab, live_server, superuser)
    assert tab.open("/admin/meetings/meeting/import/") == 200
    assert tab.page.locator("#import-progress").is_hidden()

    tab.page.set_input_files("#id_file", file)
    tab.page.get_by_role("button", name="Preview").click()
    tab.page.wait_for_selector("#import-counts", timeout=60_000)

    seen = tab.page.evaluate("JSON.parse(sessionStorage.getItem('seen'))")
    uploads = [entry for entry in seen if entry[0].startswith("Upload")]
    checks = [entry for entry in seen if re.fullmatch(r"Checked [0-9,]+ of 20,000 rows", entry[0])]
    # The whole request: the file and the form around it.
    assert uploads[-1][1] == uploads[-1][2] > file.stat().st_size
    assert [entry[1] for entry in seen if entry[0] == "Reading the file…"] == [None]
    assert checks != []
    assert all(entry[1:] == [int(entry[0].split()[1].replace(",", "")), ROWS] for entry in checks)
    assert tab.page.locator("h2").first.inner_text() == "Preview of plan.csv"
    assert " ".join(tab.page.locator("#import-counts").inner_text().split()) == (
        f"{ROWS} rows read: {ROWS} to create, 0 to change, 0 unchanged."
    )
    assert Meeting.objects.filter(format__code="AMM", number__gt=100).count() == 0
    assert tab.errors == []


def test_import_large_confirmed_import_follows_rows_saved(
    open_tab, live_server, fresh_demo_site, superuser, settings, tmp_path, import_worker
):
    settings.VAR_DIR = tmp_path
    settings.IMPORT_BACKGROUND_ROWS = 100
    rows = 300
    tab = logged_in_tab(open_tab, live_server, superuser)
    tab.open("/admin/meetings/meeting/import/")
    tab.page.set_input_files("#id_file", calendar_file(tmp_path, rows))
    tab.page.get_by_role("button", name="Preview").click()
    tab.page.wait_for_selector("#import-counts")

    tab.page.get_by_role("button", name=f"Import: create {rows}, change 0").click()
    tab.page.wait_for_url(re.compile(r".*/import/status/\?token="))
    tab.page.locator("#import-progress").wait_for(state="visible")
    tab.shoot("import-status")
    tab.page.wait_for_url(re.compile(r".*/admin/meetings/meeting/$"), timeout=120_000)

    assert tab.page.locator(".messagelist li").all_text_contents() == [
        # The file's name exactly as given, though the admin capitalises a message.
        f"Imported plan.csv: {rows} rows read: {rows} created, 0 changed, 0 unchanged."
    ]
    assert Meeting.objects.filter(format__code="AMM", number__gt=100).count() == rows
    assert tab.errors == []
