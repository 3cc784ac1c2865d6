"""A real Streamlit server and a real Chromium: a file uploaded through the Upload page is imported,
every page opens without an exception or an error box, Overview and Gate review show the engine's
recommendation, a page's address opened as the first request of a fresh server shows that page (not
"Page not found"), a command-line import while the app is open is seen on reload (DESIGN.md §9), a
decision recorded on Gate review downloads as an HTML report that opens offline, fetching nothing, no page
asks a host other than the app's own for anything (a font, a script, a map), and the app's WebSocket refuses
a Host that server.allowedHosts does not list (DNS rebinding). Sign-in is off here: every page and action shows;
tests/test_signin_browser.py has the app with sign-in on.

A screenshot of every page is saved under tests/artifacts/ (git-ignored) for people to look at.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import FilePayload, Locator, Page, Route, expect, sync_playwright

import metrics
from gates.plan_io import load_plan
from gates.review import evaluate
from gates.summary import headline
from loaders import store
from metrics.format import value_text
from metrics.model import Window
from metrics.registry import REGISTRY, Family

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# Without these, Chromium keeps trying to reach Google's services, which a closed network refuses.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# (navigation label, title on the page, screenshot name), in the sidebar's order.
PAGES = [("Overview", "Overview", "overview"), ("Gate review", "Gate review", "gate-review"),
         ("Snapshots", "Snapshots", "snapshots"), ("Activity", "Activity", "activity"),
         ("Quality", "Quality", "quality"), ("Value", "Value", "value"),
         ("Cost", "Cost", "cost"), ("Risk", "Risk", "risk"), ("Adoption", "Adoption", "adoption"),
         ("Support", "Support", "support"), ("Upload", "Upload", "upload"), ("Plan", "Plan", "plan")]
TICKETS = b"ticket_id,opened_at,category,topic\nWEB-1,2026-09-28,how_to,Where is the clause library?\n"

pytestmark = pytest.mark.browser


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Ask a server process to stop; kill it if it has not within 20 seconds."""
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=20)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cli(*args: str, db: Path, plan: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ROLLGATE_PLAN": str(plan)}
    return subprocess.run([sys.executable, str(ROOT / "cli.py"), *args, "--db", str(db)], capture_output=True,
                          text=True, cwd=ROOT, timeout=120, env=env)


def _demo(folder: Path) -> tuple[Path, Path]:
    """A database holding the demo and a copy of the plan, in `folder`."""
    db, plan = folder / "app.duckdb", folder / "plan.toml"
    shutil.copyfile(ROOT / "data" / "plan.toml", plan)
    assert _cli("demo", db=db, plan=plan).returncode == 0
    return db, plan


@contextmanager
def _streamlit(db: Path, plan: Path, *options: str, port: int | None = None, env: dict[str, str] | None = None,
               log: Path | None = None) -> Iterator[str]:
    """`streamlit run app.py` on `db` and `plan` in a process of its own, with more command-line `options`
    (`--secrets.files …`; an empty secrets file by default, so sign-in is off whatever secrets the project
    folder holds), on `port` (a free one by default), more environment variables `env`, and what it writes to
    stderr in `log` (a temporary file by default: a pipe nobody reads would stall it once full); yields its
    address once it is up."""
    port = port or _free_port()
    environment = {**os.environ, "ROLLGATE_DB": str(db), "ROLLGATE_PLAN": str(plan), **(env or {})}
    if "--secrets.files" not in options:  # not the developer's own .streamlit/secrets.toml: sign-in stays off
        empty = db.parent / "no-secrets.toml"
        empty.touch()
        options = (*options, "--secrets.files", str(empty))
    with (log.open("w+b") if log else tempfile.TemporaryFile()) as errors:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none", *options],
            cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=errors)
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
                proc.wait(timeout=20)
                errors.seek(0)
                raise RuntimeError(f"Streamlit did not start: {errors.read().decode(errors='replace')}")
            time.sleep(0.3)
        try:
            yield url
        finally:
            _stop(proc)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, Path]]:
    """The app on a temporary database holding the demo, with a copy of the plan."""
    db, plan = _demo(tmp_path_factory.mktemp("browser"))
    with _streamlit(db, plan) as url:
        yield url, db, plan


@pytest.fixture(scope="module")
def browser_page() -> Iterator[Page]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: install it (apt-get install chromium) or set CHROMIUM_PATH to run "
                    "the browser tests")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1800})
        yield page
        browser.close()


def _wait_loaded(page: Page) -> None:
    page.wait_for_selector("[data-testid='stAppViewContainer']", timeout=30_000)
    app = page.locator("[data-testid='stApp']")
    expect(app).to_have_attribute("data-test-connection-state", "CONNECTED", timeout=30_000)
    expect(app).to_have_attribute("data-test-script-state", "notRunning", timeout=60_000)
    expect(page.get_by_test_id("stSkeleton")).to_have_count(0, timeout=30_000)


def _no_error(page: Page, where: str) -> None:
    assert page.get_by_test_id("stException").count() == 0, f"{where}: an exception is shown"
    errors = page.get_by_test_id("stAlertContentError")
    assert errors.count() == 0, f"{where}: an error box is shown: {errors.all_inner_texts()}"


def _open(page: Page, label: str) -> None:
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=label, exact=True).click()
    _wait_loaded(page)


def _metric_value(page: Page, label: str) -> Locator:
    """The value shown by the st.metric labelled `label`."""
    name = page.get_by_test_id("stMetricLabel").get_by_text(label, exact=True)
    return page.get_by_test_id("stMetric").filter(has=name).get_by_test_id("stMetricValue")


def _engine_text(db: Path, plan: Path, window: Window, metric_id: str) -> str:
    """`metric_id` over `window` as the engine computes it, in the words a page shows it."""
    rules = load_plan(plan)
    with store.connect(db) as con:
        value = metrics.compute(con, rules.metric_context(), window)[metric_id].value
    return value_text(metric_id, value, rules.currency)


def _engine_card(db: Path, plan: Path, window: Window, family: Family = "quality") -> tuple[str, str]:
    """(label, value) of the number the Overview's card of `family` headlines for `window` (its worst gate, or
    its key metric when all pass), as the engine judges and computes it."""
    rules = load_plan(plan)
    with store.connect(db) as con:
        ev = evaluate(con, rules, "extra-review", window)
    head = headline(ev, family)
    return REGISTRY[head.metric].label, value_text(head.metric, ev.metrics[head.metric].value, rules.currency)


def _outcome(db: Path, plan: Path) -> str:
    result = _cli("evaluate", "--stage", "extra-review", "--month", "2026-09", "--json", db=db, plan=plan)
    assert result.returncode == 0, result.stderr
    return str(json.loads(result.stdout)["recommendation"]["outcome"])


def test_upload_a_file_then_every_page_opens_cleanly(server: tuple[str, Path, Path], browser_page: Page) -> None:
    url, db, plan = server
    page = browser_page
    page.goto(url)
    _wait_loaded(page)
    # sign-in off (no [auth] in the secrets): the sidebar says so, and every page is listed, Activity too
    expect(page.get_by_test_id("stSidebar")).to_contain_text("Sign-in is off")
    expect(page.get_by_test_id("stSidebarNav").get_by_role("link")).to_have_count(len(PAGES))

    # Upload through the real page: preview and validation first, then the import.
    _open(page, "Upload")
    with page.expect_file_chooser() as chooser:
        page.get_by_test_id("stFileUploaderDropzone").click()
    chooser.value.set_files(files=[FilePayload(name="web-tickets.csv", mimeType="text/csv", buffer=TICKETS)])
    _wait_loaded(page)
    # one line per file first; its details folded below the import button
    summary = page.get_by_test_id("stDataFrame").first
    expect(summary).to_be_visible(timeout=30_000)
    expect(page.get_by_text("web-tickets.csv · ✔ Ready to import")).to_be_visible()
    expect(page.get_by_text("Dataset: support", exact=False)).to_be_hidden()
    page.get_by_text("web-tickets.csv · ✔ Ready to import").click()
    expect(page.get_by_text("Dataset: support", exact=False)).to_be_visible()
    page.get_by_role("button", name="Import 1 file").click()
    _wait_loaded(page)
    expect(page.get_by_test_id("stAlertContentSuccess")).to_contain_text("Imported 1 of 1 files: 1 new rows")
    expect(page.locator("[data-testid='stMetric']").filter(has_text="Support")).to_contain_text("62")

    # Every page, through the sidebar: no exception, no error box, and a screenshot.
    ARTIFACTS.mkdir(exist_ok=True)
    outcome = _outcome(db, plan).capitalize()
    for label, title, shot in PAGES:
        _open(page, label)
        expect(page.get_by_role("heading", name=title, exact=True).first).to_be_visible()
        _no_error(page, label)
        if label in ("Overview", "Gate review"):
            expect(page.get_by_role("heading", name=f"Recommendation: {outcome}")).to_be_visible()
        page.screenshot(path=str(ARTIFACTS / f"{shot}.png"))


def test_a_page_opened_by_its_address_has_the_whole_app_around_it(server: tuple[str, Path, Path],
                                                                  browser_page: Page) -> None:
    url, _, _ = server
    browser_page.goto(f"{url}/risk")
    _wait_loaded(browser_page)
    nav = browser_page.get_by_test_id("stSidebarNav")
    expect(nav.get_by_role("link", name="Gate review", exact=True)).to_be_visible()
    expect(browser_page.get_by_role("heading", name="Risk", exact=True)).to_be_visible()
    _no_error(browser_page, "Risk by address")


@pytest.mark.parametrize(("address", "title"), [("gate-review", "Gate review"), ("quality", "Quality")])
def test_a_bookmarked_page_opens_as_the_first_request_of_a_fresh_server(address: str, title: str,
                                                                         browser_page: Page, tmp_path: Path) -> None:
    # A fresh server used to open its first session in Streamlit's legacy pages/ mode: /gate-review was
    # looked up among the files in pages/ and "Page not found" shown over the page; pages/quality.py ran
    # without app.py, then again through it. Now the server leaves that mode as it starts (app.py's st.App).
    db, plan = _demo(tmp_path)
    with _streamlit(db, plan) as url:
        browser_page.goto(f"{url}/{address}")
        _wait_loaded(browser_page)
        expect(browser_page.get_by_role("heading", name=title, exact=True)).to_be_visible()
        expect(browser_page.get_by_text("Page not found")).to_have_count(0)
        nav = browser_page.get_by_test_id("stSidebarNav")
        expect(nav.get_by_role("link", name="Gate review", exact=True)).to_be_visible()
        assert browser_page.url == f"{url}/{address}?from=2026-09&to=2026-09"  # the page, and the window shown
        _no_error(browser_page, f"/{address} as the first request")


def test_the_sidebar_filters_change_the_window_and_the_numbers(server: tuple[str, Path, Path],
                                                               browser_page: Page) -> None:
    url, db, plan = server
    # the Quality card's number for each window the sidebar is about to choose, as the engine judges it
    september, since_august = Window(date(2026, 9, 1), date(2026, 9, 30)), Window(date(2026, 8, 1), date(2026, 9, 30))
    legal = Window(since_august.start, since_august.end, "legal")
    expected = [_engine_card(db, plan, w) for w in (september, since_august, legal)]
    assert len(set(expected)) == 3, expected  # each choice moves the number
    page = browser_page
    page.goto(url)
    _wait_loaded(page)
    window = page.get_by_test_id("stMarkdownContainer").filter(has_text="Window:").first
    expect(window).to_contain_text("Window: 1 Sep 2026 – 30 Sep 2026.")
    expect(_metric_value(page, expected[0][0])).to_have_text(expected[0][1])
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_test_id("stSelectbox").filter(has_text="From").click()
    page.get_by_role("option", name="Aug 2026", exact=True).click()  # the window now starts a month earlier
    _wait_loaded(page)
    expect(window).to_contain_text("Window: 1 Aug 2026 – 30 Sep 2026.")
    expect(_metric_value(page, expected[1][0])).to_have_text(expected[1][1])
    sidebar.get_by_test_id("stSelectbox").filter(has_text="Department").click()
    page.get_by_role("option", name="legal", exact=True).click()
    _wait_loaded(page)
    expect(window).to_contain_text("Window: 1 Aug 2026 – 30 Sep 2026, department legal.")
    expect(_metric_value(page, expected[2][0])).to_have_text(expected[2][1])
    _no_error(page, "Overview with filters")
    # the address holds the view: reloaded (a new session), or copied into another tab, it opens the same
    expect(page).to_have_url(f"{url}/?from=2026-08&to=2026-09&department=legal")
    page.reload()
    _wait_loaded(page)
    expect(window).to_contain_text("Window: 1 Aug 2026 – 30 Sep 2026, department legal.")
    expect(_metric_value(page, expected[2][0])).to_have_text(expected[2][1])


def test_a_command_line_import_while_the_app_is_open_is_seen_on_reload(
        server: tuple[str, Path, Path], browser_page: Page, tmp_path: Path) -> None:
    url, db, plan = server
    browser_page.goto(f"{url}/upload")
    _wait_loaded(browser_page)
    support = browser_page.locator("[data-testid='stMetric']").filter(has_text="Support")
    before = int(support.get_by_test_id("stMetricValue").inner_text().replace(",", ""))
    extra = tmp_path / "late-tickets.csv"
    extra.write_text("ticket_id,opened_at,category,topic\nLATE-1,2026-09-30,how_to,Where is the guide?\n")
    result = _cli("ingest", str(extra), "--wait", "10", db=db, plan=plan)
    assert result.returncode == 0, result.stderr
    browser_page.reload()
    _wait_loaded(browser_page)
    expect(support.get_by_test_id("stMetricValue")).to_have_text(f"{before + 1:,}")


def test_a_recorded_decision_downloads_as_a_report_that_opens_offline(server: tuple[str, Path, Path],
                                                                     browser_page: Page, tmp_path: Path) -> None:
    url, _, _ = server
    page = browser_page
    page.goto(url)
    _wait_loaded(page)
    _open(page, "Gate review")
    rationale = "Two severe incidents in legal-ops: wait for the <b>audit</b>."
    page.get_by_test_id("stRadio").get_by_text("⏸ Pause", exact=True).click()
    page.get_by_label("Decided by").fill("Steering committee chair")
    page.get_by_label("Rationale").fill(rationale)
    page.get_by_label("Conditions").fill("Extra review stays on for legal-ops.")
    page.get_by_role("button", name="Record decision").click()
    _wait_loaded(page)
    _no_error(page, "Gate review after recording")
    expect(page.get_by_test_id("stAlertContentSuccess")).to_contain_text("decision pause by Steering committee chair")
    with page.expect_download() as download:
        page.get_by_role("button", name="HTML report").click()
    name = download.value.suggested_filename
    assert re.fullmatch(r"gate-review-\d{4}-extra-review-2026-09-01-to-2026-09-30-[0-9a-f]{8}\.html", name), name
    report = tmp_path / name
    download.value.save_as(report)

    # The report on its own: offline, every request that is not the file itself refused and counted.
    browser = page.context.browser
    assert browser is not None
    context = browser.new_context(offline=True)
    left: list[str] = []

    def refuse(route: Route) -> None:
        left.append(route.request.url)
        route.abort()

    context.route(re.compile(r"^(?!file:|data:).*"), refuse)
    offline = context.new_page()
    offline.on("request", lambda r: None if r.url.startswith(("file:", "data:")) else left.append(r.url))
    offline.goto(report.as_uri())
    expect(offline.get_by_role("heading", name="Decision", exact=True)).to_be_visible()
    expect(offline.locator("#decision")).to_contain_text("PAUSE")
    expect(offline.locator("#decision")).to_contain_text("Steering committee chair")
    expect(offline.get_by_text(rationale, exact=True)).to_be_visible()  # the rationale as text, not markup
    assert offline.locator("#decision b").count() == 0
    ARTIFACTS.mkdir(exist_ok=True)
    offline.emulate_media(media="print")
    pdf = offline.pdf(path=str(ARTIFACTS / "gate-review-report.pdf"), format="A4", print_background=True)
    assert pdf.startswith(b"%PDF")
    context.close()
    assert left == []


def test_no_page_asks_another_host_for_anything(server: tuple[str, Path, Path], browser_page: Page) -> None:
    """Every page, opened through the sidebar in a browser with nothing cached: each request goes to the app's
    own address. One to elsewhere (a web font, a script or map tiles from a CDN) would fail on a closed
    network and tell a third party who opens Rollgate; it is refused here at once, and named."""
    url, _, _ = server
    browser = browser_page.context.browser
    assert browser is not None
    context = browser.new_context(viewport={"width": 1400, "height": 1800})
    outside: list[str] = []

    def ours(address: str) -> bool:
        return address.startswith((f"{url}/", "data:", "blob:")) or address in (url, "about:blank")

    def refuse(route: Route) -> None:
        route.abort()

    context.route(lambda address: not ours(address), refuse)
    page = context.new_page()
    page.on("request", lambda r: None if ours(r.url) else outside.append(r.url))
    page.on("websocket", lambda ws: None if ws.url.startswith(url.replace("http", "ws", 1) + "/")
            else outside.append(ws.url))
    try:
        page.goto(url)
        _wait_loaded(page)
        for label, title, _ in PAGES:
            _open(page, label)
            expect(page.get_by_role("heading", name=title, exact=True).first).to_be_visible()
            page.wait_for_load_state("networkidle", timeout=30_000)
    finally:
        context.close()
    assert outside == [], f"requests to another host: {sorted(set(outside))}"


def _handshake(url: str, host: str) -> str:
    """The status line with which the server answers a WebSocket handshake for its stream sent with `host` as
    the Host header (and no Origin, as a client outside a browser sends it)."""
    address = url.removeprefix("http://")
    name, port = address.rsplit(":", 1)
    request = ("GET /_stcore/stream HTTP/1.1\r\n"
               f"Host: {host}\r\n"
               "Upgrade: websocket\r\n"
               "Connection: Upgrade\r\n"
               "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
               "Sec-WebSocket-Version: 13\r\n\r\n")
    with socket.create_connection((name, int(port)), timeout=10) as conn:
        conn.sendall(request.encode("ascii"))
        answer = b""
        while b"\r\n" not in answer:
            chunk = conn.recv(4096)
            if not chunk:
                break
            answer += chunk
    return answer.split(b"\r\n", 1)[0].decode("latin-1")


def test_the_websocket_refuses_a_host_that_is_not_allowed(server: tuple[str, Path, Path]) -> None:
    """server.allowedHosts (.streamlit/config.toml) lists localhost and 127.0.0.1: a page of another site whose
    name was made to point at this machine (DNS rebinding) sends its own name as the Host and is refused."""
    url, _, _ = server
    port = url.rsplit(":", 1)[1]
    for host in ("localhost", f"localhost:{port}", f"127.0.0.1:{port}"):
        assert _handshake(url, host).split(" ")[1] == "101", host
    for host in ("evil.example", f"evil.example:{port}", f"localhost.evil.example:{port}"):
        status = _handshake(url, host)
        assert status.split(" ")[1] == "403", f"{host}: {status}"


ADDRESSES = ("", "gate-review", "snapshots", "activity", "quality", "value", "cost", "risk", "adoption", "support",
             "upload", "plan")
# What the audit looks at: each page's main area. Left out, Streamlit's own markup that the app cannot label:
# the sidebar's navigation list, and the marks of a metric's sparkline (a vega chart inside st.metric, whose
# number and label the card shows; axe's context cannot exclude them, so their findings are set aside below).
AUDITED = {"include": [["[data-testid='stMain']"]]}


def _streamlits_sparkline(node: dict[str, object]) -> bool:
    return "metric_chart_" in str(node.get("html", ""))


@pytest.mark.parametrize("address", ADDRESSES)
def test_every_page_passes_an_accessibility_audit(server: tuple[str, Path, Path], browser_page: Page,
                                                  address: str) -> None:
    """axe-core on each page's main area: no serious or critical violation (contrast, names, labels, …). A
    screenshot of each page is kept in tests/artifacts/ for people to look at."""
    url, _, _ = server
    browser_page.goto(f"{url}/{address}")
    _wait_loaded(browser_page)
    ARTIFACTS.mkdir(exist_ok=True)
    browser_page.screenshot(path=str(ARTIFACTS / f"page-{address or 'overview'}.png"), full_page=True)
    found = Axe().run(browser_page, context=AUDITED).response["violations"]
    serious = [f"{v['id']} ({v['impact']}, {len(v['nodes'])}×): {v['help']} — e.g. {v['nodes'][0]['target']}"
               for v in found if v["impact"] in ("serious", "critical")
               and not all(_streamlits_sparkline(n) for n in v["nodes"])]
    assert serious == [], f"/{address}: " + "; ".join(serious)
