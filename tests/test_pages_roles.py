"""Sign-in and roles in the app (AppTest): before sign-in only the way in; each role sees what it may do and is
told what it may not; a decision is recorded in the signed-in approver's name, a plan saved in the admin's; a
broken roles file is shown and makes everyone a viewer; with sign-in off, one person has every role."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pages_fixture import PLAN, ROOT, app, elements, plain, run, texts
from streamlit.testing.v1 import AppTest

from loaders import activity, store
from ui import decision

# Any [auth] section turns sign-in on; AppTest never reaches the identity provider.
AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "not-a-secret",
        "client_id": "rollgate", "client_secret": "not-a-secret",
        "server_metadata_url": "https://id.example.org/.well-known/openid-configuration"}

ROLES = """claim = "roles"

[claim_values]
"rollgate-analysts" = "analyst"
"rollgate-approvers" = "approver"

[emails]
"ada@example.org" = "admin"
"""

# Each person as the identity provider describes them. The viewer's provider sends role names the roles file
# does not map: they give nothing.
VIEWER = {"is_logged_in": True, "name": "Vi Ewer", "email": "vi@example.org", "roles": ["admin", "approver"]}
ANALYST = {"is_logged_in": True, "name": "Ann Analyst", "email": "ann@example.org", "roles": ["rollgate-analysts"]}
APPROVER = {"is_logged_in": True, "name": "Apo Approver", "email": "apo@example.org",
            "roles": ["staff", "rollgate-approvers"]}
ADMIN = {"is_logged_in": True, "name": "Ada Admin", "email": "Ada@Example.org"}


def lock(what: str, need: str, role: str) -> str:
    return (f":material/lock: {what} needs the {need} role; you are signed in as {role}. A Rollgate admin gives "
            "roles in the roles file.")


@pytest.fixture(autouse=True)
def roles_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "roles.toml"
    path.write_text(ROLES, encoding="utf-8")
    monkeypatch.setenv("ROLLGATE_ROLES", str(path))
    return path


def signed_in(user: dict[str, Any] | None, page: str | None = None) -> AppTest:
    """The app with sign-in on, for `user` (None: nobody signed in), on `page` when given."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.secrets["auth"] = AUTH
    at.user = dict(user) if user is not None else {"is_logged_in": False}
    run(at)
    if page is not None:
        at.switch_page(page)
        run(at)
    return at


def go(at: AppTest, page: str) -> AppTest:
    at.switch_page(page)
    return run(at)


def captions(at: AppTest) -> list[str]:
    return [plain(str(c.value)) for c in at.main.caption]


def who(at: AppTest) -> str:
    return plain(str(at.sidebar.caption[0].value))


def has_decision_form(at: AppTest) -> bool:
    return any(b.label == "Record decision" for b in at.button)


def no_page(at: AppTest, page: str) -> str:
    with pytest.raises(ValueError, match="Could not find a navigation page") as missing:
        at.switch_page(page)
    return str(missing.value)


def _log(db: Path) -> list[activity.Entry]:
    with store.connect(db) as con:
        return activity.entries(con)


# -- before sign-in ------------------------------------------------------------------------------------------

def test_before_sign_in_there_is_only_the_way_in(demo_db: Path) -> None:
    at = signed_in(None)
    assert [t.value for t in at.title] == ["Rollgate"]
    assert [b.label for b in at.button] == ["Sign in"]
    assert texts(at.markdown) == ("The evidence behind each stage of the AI rollout: quality, value, cost, risk, "
                                  "adoption and support against the plan's gates. Sign in with your organisation's "
                                  "account to see it.")
    assert not at.sidebar.caption and not at.sidebar.selectbox and not at.sidebar.button  # no filters, no plan
    assert not at.dataframe and not at.metric and not at.main.caption
    for page in ("pages/overview.py", "pages/upload.py", "pages/activity.py"):
        no_page(at, page)


# -- a viewer --------------------------------------------------------------------------------------------------

def test_a_viewer_sees_every_page_but_no_way_to_change_anything(demo_db: Path) -> None:
    at = signed_in(VIEWER, "pages/upload.py")
    assert who(at) == ":material/person: Vi Ewer <vi@example.org> · viewer"  # the provider's "admin" gives nothing
    assert [b.label for b in at.sidebar.button] == ["Sign out"]
    assert not at.get("file_uploader")
    shown = captions(at)
    assert lock("Importing exports", "analyst", "viewer") in shown
    assert lock("Undoing an import", "analyst", "viewer") in shown
    assert not any(b.key and b.key.startswith("upload_undo") for b in at.button)

    go(at, "pages/gate_review.py")
    assert at.subheader[-1].value == "Record the decision"
    assert not has_decision_form(at) and not at.radio
    assert captions(at)[-1] == lock("Recording a gate decision", "approver", "viewer")

    go(at, "pages/plan.py")
    assert [t.label for t in at.tabs] == ["Stages and gates", "TOML and versions"]
    assert not at.text_area and not at.get("file_uploader") and not at.get("data_editor")
    assert lock("Changing the plan", "admin", "viewer") in captions(at)
    assert [b.label for b in elements(at, "download_button")] == ["Download the saved plan"]

    assert "pages/activity.py" in no_page(at, "pages/activity.py")  # not listed for a viewer


def test_a_viewer_cannot_load_the_demo(empty_db: Path) -> None:
    at = signed_in(VIEWER, "pages/upload.py")
    assert not any(b.label == "Load demo data" for b in at.button)
    assert lock("Loading the demo data", "analyst", "viewer") in captions(at)
    with store.connect(empty_db) as con:
        assert con.execute("select count(*) from ingestions").fetchall() == [(0,)]
    assert _log(empty_db) == []


def test_the_activity_page_itself_refuses_a_viewer_who_reaches_it(demo_db: Path, tmp_path: Path) -> None:
    # The page is not listed for a viewer; should a run reach it all the same (an address typed into a process
    # still in Streamlit's legacy pages mode), the page refuses by itself. Here an entry script lists it for all.
    script = tmp_path / "listed_for_everyone.py"
    script.write_text("import streamlit as st\n"
                      "from ui import access, data, session\n"
                      f"page = st.navigation([st.Page({str(ROOT / 'pages' / 'activity.py')!r}, url_path='activity')])\n"
                      "try:\n"
                      "    access.sidebar()\n"
                      "    session.start()\n"
                      "    page.run()\n"
                      "finally:\n"
                      "    data.release()\n", encoding="utf-8")
    at = AppTest.from_file(str(script), default_timeout=120)
    at.secrets["auth"] = AUTH
    at.user = dict(ANALYST)
    run(at)
    assert [t.value for t in at.title] == ["Activity"]
    assert captions(at)[-1] == lock("The activity log", "approver", "analyst")
    assert not at.dataframe and not at.success and not at.error and not at.multiselect


def test_a_person_whose_role_is_taken_away_leaves_the_activity_page(demo_db: Path, roles_file: Path) -> None:
    at = signed_in(APPROVER, "pages/activity.py")
    assert [t.value for t in at.title] == ["Activity"] and len(at.dataframe) == 1
    roles_file.write_text(ROLES.replace('"rollgate-approvers" = "approver"', '"rollgate-approvers" = "viewer"'),
                          encoding="utf-8")
    run(at)
    assert who(at).endswith(" · viewer")
    assert [t.value for t in at.title] == ["Overview"]  # the page is no longer listed: the default one instead
    assert not any(t.value == "Activity" for t in at.title)


# -- an analyst -------------------------------------------------------------------------------------------------

def test_an_analyst_may_import_but_not_decide(demo_db: Path) -> None:
    at = signed_in(ANALYST, "pages/upload.py")
    assert who(at) == ":material/person: Ann Analyst <ann@example.org> · analyst"
    assert [u.key for u in at.get("file_uploader")] == ["upload_files_0"]
    assert not any(c.startswith(":material/lock:") for c in captions(at))

    go(at, "pages/gate_review.py")
    assert not has_decision_form(at)
    assert captions(at)[-1] == lock("Recording a gate decision", "approver", "analyst")
    go(at, "pages/plan.py")
    assert not at.text_area and lock("Changing the plan", "admin", "analyst") in captions(at)
    no_page(at, "pages/activity.py")


# -- an approver -----------------------------------------------------------------------------------------------

def test_an_approver_records_a_decision_in_their_own_name(demo_db: Path) -> None:
    before = _log(demo_db)
    at = signed_in(APPROVER, "pages/gate_review.py")
    assert who(at) == ":material/person: Apo Approver <apo@example.org> · approver"
    assert has_decision_form(at)
    assert not at.text_input  # nobody types a name for another
    assert "**Decided by** Apo Approver <apo@example.org>" in texts(at.markdown)
    at.text_area(key=decision.field_key("decision_rationale", at.session_state)).input("The gates pass.")
    next(b for b in at.button if b.label == "Record decision").click()
    run(at)
    assert not at.error
    assert texts(at.success) == "Recorded snapshot #1: decision proceed by Apo Approver <apo@example.org>."
    with store.connect(demo_db) as con:
        assert con.execute("select id, stage, decision, decided_by from gate_reviews").fetchall() == [
            (1, "extra-review", "proceed", "Apo Approver <apo@example.org>")]
    log = _log(demo_db)
    assert log[:-1] == before
    added = log[-1]
    assert (added.id, added.who, added.role, added.action, added.object) == (
        len(before) + 1, "Apo Approver <apo@example.org>", "approver", "decision", "snapshot #1")

    go(at, "pages/activity.py")  # listed for an approver: the decision is the newest entry
    assert texts(at.success) == f"The log checks: {len(before) + 1} entries, each chained to the one before."
    table = at.dataframe[0].value
    assert (table["id"].iloc[0], table["who"].iloc[0], table["action"].iloc[0], table["object"].iloc[0]) == (
        len(before) + 1, "Apo Approver <apo@example.org>", "decision", "snapshot #1")

    go(at, "pages/plan.py")
    assert not at.text_area and lock("Changing the plan", "admin", "approver") in captions(at)


def test_the_activity_page_says_when_the_log_does_not_check(demo_db: Path) -> None:
    with store.connect(demo_db) as con:
        con.execute("update activity set who = 'Mallory' where id = 2")
    at = signed_in(APPROVER, "pages/activity.py")
    assert texts(at.error) == (
        "The activity log does not check: 1 problem. An entry was changed, removed or inserted outside Rollgate; "
        "restore the database from a backup, or keep it as evidence of what happened.\n\n"
        "- entry #2 (import by Mallory) was changed after it was written: its hash does not match its content")
    assert not at.success


# -- an admin ------------------------------------------------------------------------------------------------------

def test_an_admin_changes_the_plan_in_their_own_name(demo_db: Path, tmp_path: Path) -> None:
    at = signed_in(ADMIN, "pages/plan.py")
    assert who(at) == ":material/person: Ada Admin <Ada@Example.org> · admin"  # matched whatever its case
    assert [t.label for t in at.tabs] == ["Stages and gates", "Change the gates", "TOML and files (advanced)"]
    assert not any(c.startswith(":material/lock:") for c in captions(at))
    original = PLAN.read_text()
    at.text_area(key="plan_editor").set_value(original.replace("hourly_rate = 60.0", "hourly_rate = 75.0"))
    at.button(key="plan_save").click()
    run(at)
    at.button(key="toml_confirm").click()
    run(at)
    assert "hourly_rate = 75.0" in (tmp_path / "plan.toml").read_text()
    versions = next(d.value for d in at.dataframe if "By" in d.value.columns)
    assert list(versions["By"]) == ["Ada Admin <Ada@Example.org>",
                                    "(the plan as it was before Rollgate kept its versions)"]
    last = _log(demo_db)[-1]
    assert (last.who, last.role, last.action, last.object) == (
        "Ada Admin <Ada@Example.org>", "admin", "plan", "plan version #2")


# -- the roles file ---------------------------------------------------------------------------------------------------

def test_a_roles_file_with_a_syntax_error_is_shown_and_everyone_is_a_viewer(demo_db: Path, roles_file: Path) -> None:
    roles_file.write_text(ROLES.replace('"rollgate-analysts" = "analyst"', '"rollgate-analysts" = analyst'),
                          encoding="utf-8")
    at = signed_in(ADMIN, "pages/plan.py")
    assert who(at) == ":material/person: Ada Admin <Ada@Example.org> · viewer"
    assert [plain(str(w.value)) for w in at.sidebar.warning] == [
        f"The roles file {roles_file} is not valid TOML: Invalid value (at line 4, column 23). Until it is fixed, "
        "everyone signed in is a viewer."]
    assert not at.text_area and lock("Changing the plan", "admin", "viewer") in captions(at)
    # Fixed, it counts again at once (the file is read again when it changes).
    roles_file.write_text(ROLES, encoding="utf-8")
    run(at)
    assert who(at).endswith(" · admin") and not at.sidebar.warning
    assert at.text_area(key="plan_editor")


# -- sign-in off -------------------------------------------------------------------------------------------------------

def test_with_sign_in_off_the_sidebar_says_so_and_the_form_asks_who_decided(demo_db: Path) -> None:
    at = app("pages/gate_review.py")
    assert plain(str(at.sidebar.caption[0].value)) == (
        ":material/lock_open: Sign-in is off: anyone who opens Rollgate has every role. A team server turns it on "
        "(docs/deploy.md).")
    assert not at.sidebar.button  # no "Sign out"
    assert has_decision_form(at)
    assert at.text_input(key=decision.field_key("decision_by", at.session_state)).label == "Decided by"
    go(at, "pages/activity.py")  # every role: the activity page is listed
    assert [t.value for t in at.title] == ["Activity"]
