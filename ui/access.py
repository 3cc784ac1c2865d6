"""The person using this browser session (DESIGN.md §11): sign-in, their role, and what the page may offer them.

Sign-in is on when `.streamlit/secrets.toml` has an `[auth]` section (Streamlit's own OIDC: `st.login`,
`st.user`, `st.logout`). Then a person's role comes from the roles file (core.roles), read again whenever it
changes; with sign-in off, whoever opens the app is one person with every role, and the sidebar says so.

Pages call `may` to hide what a role cannot do; the engine functions re-check the role themselves (they take
the `Actor` from `actor()`), so a hidden button is never the only guard.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from core import roles
from core.access import NEEDS, Action, Actor, Role, sign_in_off
from core.errors import InputError
from metrics.format import escape_md


def sign_in_on() -> bool:
    """Whether the server's secrets configure sign-in (an [auth] section)."""
    try:
        return "auth" in st.secrets
    except (FileNotFoundError, OSError, ValueError):  # no secrets file, or one that is not TOML: sign-in is off
        return False


@st.cache_resource(show_spinner=False, max_entries=4)
def _rules(path: str, stamp: tuple[int, int]) -> tuple[roles.RolesFile, str | None]:
    """The roles file (re-read when its modification time or size changes), or nobody and why."""
    del stamp  # part of the cache key only
    try:
        return roles.read_roles(Path(path)), None
    except InputError as e:
        return roles.NOBODY, str(e)


def rules() -> tuple[roles.RolesFile, str | None]:
    path = roles.roles_path()
    try:
        info = path.stat()
        stamp = (info.st_mtime_ns, info.st_size)
    except OSError:
        stamp = (0, 0)
    return _rules(str(path), stamp)


def signed_in() -> bool:
    return bool(getattr(st.user, "is_logged_in", False))


def actor() -> Actor:
    """Who is acting in this session: the signed-in person with the role the roles file gives them, or, with
    sign-in off, one person with every role. Someone not signed in (sign-in on) is a viewer without a name,
    though the pages never run for them."""
    if not sign_in_on():
        return sign_in_off()
    if not signed_in():
        return Actor(name="not signed in", email=None, role=Role.VIEWER)
    claims = st.user.to_dict()
    given = claims.get("email")
    email = given if isinstance(given, str) and given else None
    name = next((str(v) for v in (claims.get("name"), email, claims.get("sub")) if isinstance(v, str) and v), "")
    return Actor(name=name, email=email, role=roles.role_of(claims, rules()[0]), signed_in=True)


def may(action: Action) -> bool:
    return actor().may(action)


def who() -> str:
    """How records name the person acting (the plan history's `saved_by`, a decision's `decided_by`)."""
    return actor().label


def sign_in_page() -> None:
    """What someone not signed in sees (sign-in on): what Rollgate is, and the way in."""
    st.title("Rollgate")
    st.write("The evidence behind each stage of the AI rollout: quality, value, cost, risk, adoption and support "
             "against the plan's gates. Sign in with your organisation's account to see it.")
    if st.button("Sign in", type="primary", icon=":material/login:", key="sign_in"):
        st.login()


def sidebar() -> None:
    """Who is signed in, with which role, and the way out; or that sign-in is off."""
    if not sign_in_on():
        st.sidebar.caption(":material/lock_open: Sign-in is off: anyone who opens Rollgate has every role. A team "
                           "server turns it on (docs/deploy.md).")
        return
    person = actor()
    st.sidebar.caption(f":material/person: {escape_md(person.label)} · {person.role.word}")
    problem = rules()[1]
    if problem:
        st.sidebar.warning(escape_md(problem), icon=":material/badge:")
    if st.sidebar.button("Sign out", key="sign_out", icon=":material/logout:"):
        st.logout()


def cannot(action: Action, what: str) -> None:
    """Say, where an action would be, that this person's role does not offer it."""
    st.caption(f":material/lock: {what} needs the {NEEDS[action].word} role; you are signed in as "
               f"{escape_md(actor().role.word)}. A Rollgate admin gives roles in the roles file.")
