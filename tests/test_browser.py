"""A real Streamlit server, a real Chromium: the app shows the loaded data, and a command-line
import can write to the same database while the app is open (DESIGN.md §9)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# Without these, Chromium keeps trying to reach Google's services, which a closed network refuses.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cli(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "cli.py"), *args, "--db", str(db)], capture_output=True,
                          text=True, cwd=ROOT, timeout=120)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    db = tmp_path_factory.mktemp("browser") / "app.duckdb"
    assert _cli("demo", db=db).returncode == 0
    port = _free_port()
    env = {**os.environ, "ROLLGATE_DB": str(db)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.read() == b"ok":
                    break
        except OSError:
            pass
        if time.monotonic() > deadline or proc.poll() is not None:
            proc.kill()
            raise RuntimeError(f"Streamlit did not start: {proc.stderr.read().decode() if proc.stderr else ''}")
        time.sleep(0.3)
    yield url, db
    proc.terminate()
    proc.wait(timeout=20)


@pytest.fixture(scope="module")
def browser_page() -> Iterator[Page]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is needed for the browser tests: install it (apt-get install chromium) or set "
                    f"CHROMIUM_PATH; looked for {CHROMIUM}.")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        yield page
        browser.close()


def _wait_loaded(page: Page) -> None:
    page.wait_for_selector("[data-testid='stAppViewContainer']", timeout=30_000)
    expect(page.locator("[data-testid='stApp']")).to_have_attribute("data-test-script-state", "notRunning",
                                                                    timeout=30_000)


def test_the_app_shows_the_loaded_demo(server: tuple[str, Path], browser_page: Page) -> None:
    url, _ = server
    browser_page.goto(url)
    _wait_loaded(browser_page)
    expect(browser_page.get_by_role("heading", name="Rows per dataset")).to_be_visible()
    usage = browser_page.locator("[data-testid='stMetric']").filter(has_text="Usage")
    expect(usage).to_contain_text("4,000")
    expect(browser_page.get_by_role("heading", name="Ingestion history")).to_be_visible()


def test_a_command_line_import_while_the_app_is_open_is_seen_on_reload(
        server: tuple[str, Path], browser_page: Page, tmp_path: Path) -> None:
    url, db = server
    browser_page.goto(url)
    _wait_loaded(browser_page)
    extra = tmp_path / "late-tickets.csv"
    extra.write_text("ticket_id,opened_at,category,topic\nLATE-1,2026-09-30,how_to,Where is the guide?\n")
    result = _cli("ingest", str(extra), "--wait", "10", db=db)
    assert result.returncode == 0, result.stderr
    browser_page.reload()
    _wait_loaded(browser_page)
    support = browser_page.locator("[data-testid='stMetric']").filter(has_text="Support")
    expect(support).to_contain_text("62")
