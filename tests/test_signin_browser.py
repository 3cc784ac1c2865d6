"""Sign-in (DESIGN.md §11) end to end: a real Streamlit server with an `[auth]` section in its secrets, a real
OpenID Connect provider (oidc-provider-mock) and a real Chromium.

Before sign-in only the sign-in page shows, by any address. Vera, whose `roles` claim the roles file does not
map, is a viewer: the sidebar names her and her role, Upload offers no file uploader, Gate review no decision
form, and the Activity page is not listed. Abe, whose claim value the roles file maps to approver, records a
decision on Gate review with no name to type: the stored snapshot and the activity log name him, as the
provider names him, with his role. Signing out leads back to the sign-in page.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect, sync_playwright
from test_browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    _demo,
    _free_port,
    _no_error,
    _open,
    _outcome,
    _stop,
    _streamlit,
    _wait_loaded,
)

from loaders import activity, store
from snapshots import store as snapshot_store

pytestmark = pytest.mark.browser

MOCK = Path(sys.executable).with_name("oidc-provider-mock")
VERA = {"sub": "vera", "email": "vera@example.org", "name": "Vera Viewer", "roles": ["viewer"]}
ABE = {"sub": "abe", "email": "abe@example.org", "name": "Abe Approver", "roles": ["rollgate-approvers"]}
ROLES = """claim = "roles"

[claim_values]
"rollgate-approvers" = "approver"
"""
SECRETS = """[auth]
redirect_uri = "{app}/oauth2callback"
cookie_secret = "a-long-random-string-for-the-browser-tests-only-0123456789"
client_id = "rollgate"
client_secret = "secret"
server_metadata_url = "{provider}/.well-known/openid-configuration"
"""
WAIT = 60_000  # ms: a sign-in is a few redirects and a first run of the app


@dataclass(frozen=True)
class SignIn:
    url: str  # the app, as http://localhost:PORT (the name server.allowedHosts and the redirect_uri use)
    db: Path
    plan: Path
    log: Path  # what the Streamlit server wrote to stderr


@contextmanager
def _provider(*users: Mapping[str, object]) -> Iterator[str]:
    """oidc-provider-mock in a process of its own, with `users` predefined; yields its address once it answers."""
    port = _free_port()
    args = [str(MOCK), "-p", str(port)]
    for user in users:
        args += ["--user-claims", json.dumps(user)]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{url}/.well-known/openid-configuration", timeout=2) as r:
                if json.load(r).get("issuer"):
                    break
        except (OSError, ValueError):
            pass
        if time.monotonic() > deadline or proc.poll() is not None:
            proc.kill()
            proc.wait(timeout=20)
            raise RuntimeError(f"oidc-provider-mock did not start on port {port}")
        time.sleep(0.2)
    try:
        yield url
    finally:
        _stop(proc)


@pytest.fixture(scope="module")
def signin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SignIn]:
    """The app on the demo database with sign-in on: the provider knows Vera and Abe; the roles file maps
    "rollgate-approvers" to approver."""
    if not MOCK.exists():
        pytest.skip(f"no oidc-provider-mock at {MOCK}: install the dev requirements to run the sign-in tests")
    folder = tmp_path_factory.mktemp("signin")
    db, plan = _demo(folder)
    roles_file, secrets, log = folder / "roles.toml", folder / "secrets.toml", folder / "streamlit.log"
    roles_file.write_text(ROLES, encoding="utf-8")
    port = _free_port()
    app = f"http://localhost:{port}"
    with _provider(VERA, ABE) as provider:
        secrets.write_text(SECRETS.format(app=app, provider=provider), encoding="utf-8")
        with _streamlit(db, plan, "--secrets.files", str(secrets), port=port, log=log,
                        env={"ROLLGATE_ROLES": str(roles_file)}):
            yield SignIn(app, db, plan, log)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: install it (apt-get install chromium) or set CHROMIUM_PATH to run "
                    "the browser tests")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@contextmanager
def _fresh_page(browser: Browser) -> Iterator[Page]:
    """A page in a browser context of its own (no cookies from another test). The provider's pages ask for a
    style sheet on a CDN; with no network that request is refused at once rather than left to time out."""
    context: BrowserContext = browser.new_context(viewport={"width": 1400, "height": 1600})
    context.set_default_timeout(WAIT)

    def outside(route: Route) -> None:
        route.abort()

    context.route(re.compile(r"^https?://(?!localhost[:/]|127\.0\.0\.1[:/]).*"), outside)
    try:
        yield context.new_page()
    finally:
        context.close()


def _log(signin: SignIn) -> str:
    return signin.log.read_text(encoding="utf-8", errors="replace")[-4000:]


def _sign_in(page: Page, signin: SignIn, sub: str) -> None:
    """From the sign-in page, through the provider (its button for the predefined user `sub`), back signed in."""
    page.get_by_role("button", name="Sign in").click()
    user = page.get_by_role("button", name=sub, exact=True)
    expect(user).to_be_visible(timeout=WAIT)  # the provider's authorisation page
    user.click()
    page.wait_for_url(re.compile(rf"^{re.escape(signin.url)}/?(\?.*)?$"), timeout=WAIT)
    _wait_loaded(page)
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_role("button", name="Sign out")).to_be_visible()


def _sidebar_person(page: Page) -> str:
    """The sidebar's line naming the person signed in and their role (without its icon's name)."""
    person = page.get_by_test_id("stSidebar").get_by_test_id("stCaptionContainer").filter(has_text=" · ")
    expect(person).to_have_count(1)
    return person.inner_text().strip().removeprefix("person").strip()


def _on_sign_in_page(page: Page) -> None:
    expect(page.get_by_role("button", name="Sign in")).to_be_visible(timeout=WAIT)
    expect(page.get_by_role("heading", name="Rollgate", exact=True)).to_be_visible()
    # nothing of the rollout: no navigation to its pages, no number, no recommendation
    expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)
    expect(page.get_by_role("link", name="Overview")).to_have_count(0)
    expect(page.get_by_test_id("stMetric")).to_have_count(0)
    expect(page.get_by_role("heading", name=re.compile("^Recommendation"))).to_have_count(0)
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)


def test_before_sign_in_only_the_sign_in_page_shows(signin: SignIn, browser: Browser) -> None:
    with _fresh_page(browser) as page:
        for address in ("", "gate-review", "activity"):
            page.goto(f"{signin.url}/{address}")
            _wait_loaded(page)
            _on_sign_in_page(page)
            expect(page.get_by_role("heading", name="Gate review")).to_have_count(0)
            expect(page.get_by_role("heading", name="Activity")).to_have_count(0)
            _no_error(page, f"/{address} before sign-in")


def test_a_viewer_sees_the_pages_but_cannot_import_decide_or_read_the_activity(signin: SignIn,
                                                                                browser: Browser) -> None:
    with _fresh_page(browser) as page:
        page.goto(signin.url)
        _wait_loaded(page)
        _sign_in(page, signin, "vera")
        assert _sidebar_person(page) == "Vera Viewer <vera@example.org> · viewer", _log(signin)
        nav = page.get_by_test_id("stSidebarNav")
        expect(nav.get_by_role("link", name="Overview", exact=True)).to_be_visible()
        expect(nav.get_by_role("link", name="Activity", exact=True)).to_have_count(0)
        outcome = _outcome(signin.db, signin.plan).capitalize()
        expect(page.get_by_role("heading", name=f"Recommendation: {outcome}")).to_be_visible()

        _open(page, "Upload")
        expect(page.get_by_role("heading", name="Upload", exact=True)).to_be_visible()
        expect(page.get_by_text("Importing exports needs the analyst role", exact=False)).to_be_visible()
        expect(page.get_by_test_id("stFileUploader")).to_have_count(0)
        expect(page.get_by_test_id("stFileUploaderDropzone")).to_have_count(0)
        _no_error(page, "Upload as a viewer")

        _open(page, "Gate review")
        expect(page.get_by_role("heading", name=f"Recommendation: {outcome}")).to_be_visible()
        expect(page.get_by_text("Recording a gate decision needs the approver role", exact=False)).to_be_visible()
        expect(page.get_by_role("button", name="Record decision")).to_have_count(0)
        _no_error(page, "Gate review as a viewer")

        # the Activity page by its address: not one of hers, so not shown
        page.goto(f"{signin.url}/activity")
        _wait_loaded(page)
        expect(page.get_by_role("heading", name="Activity", exact=True)).to_have_count(0)
        expect(page.get_by_test_id("stDataFrame").filter(has_text="Who")).to_have_count(0)


def test_an_approver_records_a_decision_in_his_own_name(signin: SignIn, browser: Browser) -> None:
    label = "Abe Approver <abe@example.org>"
    outcome = _outcome(signin.db, signin.plan)
    with store.connect(signin.db) as con:
        before = {e.id for e in snapshot_store.entries(con)}
    with _fresh_page(browser) as page:
        page.goto(signin.url)
        _wait_loaded(page)
        _on_sign_in_page(page)  # a fresh context: nobody is signed in
        _sign_in(page, signin, "abe")
        assert _sidebar_person(page) == f"{label} · approver", _log(signin)
        nav = page.get_by_test_id("stSidebarNav")
        expect(nav.get_by_role("link", name="Activity", exact=True)).to_be_visible()

        _open(page, "Gate review")
        form = page.get_by_test_id("stForm")
        expect(form.get_by_role("button", name="Record decision")).to_be_visible()
        expect(form.get_by_label("Decided by")).to_have_count(0)  # no name to type: the record names him
        expect(form.get_by_text(f"Decided by {label}", exact=True)).to_be_visible()
        recommended = form.get_by_test_id("stRadio").get_by_text(re.compile(r"\(recommended\)$"))
        expect(recommended).to_have_count(1)
        recommended.click()
        form.get_by_label("Rationale").fill("The evidence holds: on to the next stage as the plan says.")
        form.get_by_role("button", name="Record decision").click()
        _wait_loaded(page)
        _no_error(page, "Gate review after recording")
        expect(page.get_by_test_id("stAlertContentSuccess")).to_contain_text(f"decision {outcome} by {label}")

    with store.connect(signin.db) as con:
        new = [e for e in snapshot_store.entries(con) if e.id not in before]
        assert len(new) == 1, new
        assert new[0].intact, new[0].problem
        snap = snapshot_store.get(con, new[0].id)
        log = activity.entries(con)
    assert new[0].decided_by == label
    assert snap.decision.decided_by == label
    assert snap.decision.outcome == outcome
    decisions = [e for e in log if e.action == "decision" and e.who == label]
    assert len(decisions) == 1, [(e.action, e.who, e.role) for e in log]
    assert decisions[0].role == "approver"


def test_signing_out_leads_back_to_the_sign_in_page(signin: SignIn, browser: Browser) -> None:
    with _fresh_page(browser) as page:
        page.goto(signin.url)
        _wait_loaded(page)
        _sign_in(page, signin, "vera")
        page.get_by_test_id("stSidebar").get_by_role("button", name="Sign out").click()
        # the provider's end of session (it asks), then back to the app
        end = page.get_by_role("button", name="End session")
        expect(end).to_be_visible(timeout=WAIT)
        end.click()
        page.wait_for_url(re.compile(rf"^{re.escape(signin.url)}/?(\?.*)?$"), timeout=WAIT)
        _wait_loaded(page)
        _on_sign_in_page(page)
        page.reload()  # signed out for good: the cookie is gone, not only this session's view
        _wait_loaded(page)
        _on_sign_in_page(page)
