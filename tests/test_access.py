"""Who may do what (core.access) and who gets which role (core.roles): the ladder of roles, the refusal, how a
person is named, the command line's actor, and the roles file — only what it maps counts."""

from __future__ import annotations

import getpass
from pathlib import Path

import pytest

from core.access import NEEDS, Action, Actor, NotAllowed, Role, local, require, sign_in_off
from core.errors import InputError
from core.roles import NOBODY, RolesFile, read_roles, role_of

# -- the ladder ---------------------------------------------------------------------------------------

# Each action, and whether viewer, analyst, approver, admin (in that order) may do it.
LADDER = {
    Action.IMPORT: "-+++",
    Action.UNDO: "-+++",
    Action.MAPPINGS: "-+++",
    Action.DECIDE: "--++",
    Action.PLAN: "---+",
    Action.KEYS: "---+",
    Action.EXPORT: "++++",
    Action.READ_ACTIVITY: "--++",
}


def test_every_role_may_do_what_the_ladder_gives_it_and_nothing_more() -> None:
    assert set(LADDER) == set(Action)  # a new action needs its row here
    roles = [Role.VIEWER, Role.ANALYST, Role.APPROVER, Role.ADMIN]
    shown = {action: "".join("+" if Actor("P", None, role).may(action) else "-" for role in roles)
             for action in Action}
    assert shown == LADDER


def test_roles_are_ordered_and_named() -> None:
    assert Role.VIEWER < Role.ANALYST < Role.APPROVER < Role.ADMIN
    assert [r.word for r in Role] == ["viewer", "analyst", "approver", "admin"]
    assert Role.of(" Approver ") is Role.APPROVER
    assert {a: r.word for a, r in NEEDS.items()}[Action.DECIDE] == "approver"


def test_require_refuses_with_who_what_and_the_role_needed() -> None:
    viewer = Actor("Vi Ewer", "vi@example.org", Role.VIEWER, signed_in=True)
    with pytest.raises(NotAllowed) as refused:
        require(viewer, Action.DECIDE)
    assert str(refused.value) == (
        "Vi Ewer <vi@example.org> is a viewer: recording a gate decision needs the approver role. Nothing was "
        "changed. Ask a Rollgate admin to give you the approver role in the roles file.")
    assert isinstance(refused.value, InputError)
    with pytest.raises(NotAllowed) as refused:
        require(Actor("Ann", None, Role.ANALYST), Action.PLAN)
    assert str(refused.value) == (
        "Ann is an analyst: changing the rollout plan needs the admin role. Nothing was changed. Ask a Rollgate "
        "admin to give you the admin role in the roles file.")
    with pytest.raises(NotAllowed) as refused:
        require(Actor("Apo", None, Role.APPROVER), Action.KEYS)
    assert str(refused.value).startswith("Apo is an approver: rotating the signing key needs the admin role.")


def test_require_lets_an_allowed_action_through() -> None:
    require(Actor("Ann", None, Role.ANALYST), Action.IMPORT)
    require(Actor("Vi", None, Role.VIEWER), Action.EXPORT)
    require(Actor("Ad", None, Role.ADMIN), Action.PLAN)


@pytest.mark.parametrize(("name", "email", "label"), [
    ("Ann Analyst", "ann@example.org", "Ann Analyst <ann@example.org>"),
    ("ann@example.org", "ann@example.org", "ann@example.org"),  # the provider gave no name: not said twice
    ("", "ann@example.org", "ann@example.org"),
    ("Ann Analyst", None, "Ann Analyst"),
    ("Ann Analyst", "", "Ann Analyst"),
    ("", None, "someone without a name"),
])
def test_a_person_is_named_by_name_and_email(name: str, email: str | None, label: str) -> None:
    assert Actor(name, email, Role.VIEWER).label == label


def test_the_command_line_acts_as_the_operating_system_user_with_every_role(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(getpass, "getuser", lambda: "ops-bot")
    assert local() == Actor("ops-bot", None, Role.ADMIN, signed_in=False)
    assert local("   ") == Actor("ops-bot", None, Role.ADMIN)  # a blank --as names nobody: the OS user
    assert local("  Ann Analyst ") == Actor("Ann Analyst", None, Role.ADMIN)
    assert local("Ann Analyst").label == "Ann Analyst"


def test_a_user_without_a_name_is_still_someone(monkeypatch: pytest.MonkeyPatch) -> None:
    def nameless() -> str:
        raise KeyError("getpwuid(): uid not found: 1234")

    monkeypatch.setattr(getpass, "getuser", nameless)
    assert local().label == "the operating-system user"


def test_with_sign_in_off_whoever_opens_the_app_has_every_role() -> None:
    anyone = sign_in_off()
    assert (anyone.label, anyone.role, anyone.signed_in) == ("anyone (sign-in is off)", Role.ADMIN, False)
    assert all(anyone.may(a) for a in Action)


# -- role_of: what the roles file maps ------------------------------------------------------------------

RULES = RolesFile(claim_values={"rollgate-analysts": "analyst", "rollgate-approvers": "approver",
                                "rollgate-admins": "admin"},
                  emails={"Chair@Example.org": "approver", "vi@example.org": "viewer"})


def test_an_email_on_the_list_gets_its_role_whatever_its_case() -> None:
    assert RULES.emails == {"chair@example.org": "approver", "vi@example.org": "viewer"}
    assert role_of({"email": "chair@example.org"}, RULES) is Role.APPROVER
    assert role_of({"email": "  CHAIR@example.ORG "}, RULES) is Role.APPROVER
    assert role_of({"email": "chair@example.org.evil.test"}, RULES) is Role.VIEWER
    assert role_of({"email": "someone@example.org"}, RULES) is Role.VIEWER


@pytest.mark.parametrize(("verified", "role"), [
    (True, Role.APPROVER), ("true", Role.APPROVER), (False, Role.VIEWER), ("false", Role.VIEWER),
    (" False ", Role.VIEWER)])
def test_an_email_the_provider_has_not_verified_matches_no_entry(verified: object, role: Role) -> None:
    assert role_of({"email": "chair@example.org", "email_verified": verified}, RULES) is role
    # the groups claim still counts: it is the provider's, not typed in by the person
    assert role_of({"email": "chair@example.org", "email_verified": verified, "roles": "rollgate-admins"},
                   RULES) is Role.ADMIN


def test_the_claim_may_be_one_string_or_a_list() -> None:
    assert role_of({"roles": "rollgate-analysts"}, RULES) is Role.ANALYST
    assert role_of({"roles": ["staff", "rollgate-approvers"]}, RULES) is Role.APPROVER
    assert role_of({"roles": ("rollgate-admins",)}, RULES) is Role.ADMIN
    assert role_of({"roles": []}, RULES) is Role.VIEWER


def test_claim_values_are_matched_exactly() -> None:
    assert role_of({"roles": ["Rollgate-Admins"]}, RULES) is Role.VIEWER
    assert role_of({"roles": [" rollgate-admins"]}, RULES) is Role.VIEWER


def test_the_claim_read_is_the_one_the_file_names() -> None:
    groups = RolesFile(claim="groups", claim_values={"rollgate-approvers": "approver"})
    assert role_of({"groups": ["rollgate-approvers"]}, groups) is Role.APPROVER
    assert role_of({"roles": ["rollgate-approvers"]}, groups) is Role.VIEWER  # not the claim it reads
    assert role_of({"groups": ["rollgate-approvers"]}, RULES) is Role.VIEWER


def test_the_highest_role_any_entry_gives_wins() -> None:
    assert role_of({"email": "vi@example.org", "roles": ["rollgate-admins", "rollgate-analysts"]}, RULES) is Role.ADMIN
    assert role_of({"email": "chair@example.org", "roles": ["rollgate-analysts"]}, RULES) is Role.APPROVER
    assert role_of({"email": "chair@example.org", "roles": "rollgate-admins"}, RULES) is Role.ADMIN


def test_a_role_name_the_file_does_not_map_gives_nothing() -> None:
    admins = RolesFile(claim_values={"rollgate-admins": "admin"})
    assert role_of({"roles": ["admin"]}, admins) is Role.VIEWER  # a provider's "admin" is not Rollgate's
    assert role_of({"roles": ["admin", "approver", "analyst"], "role": "admin"}, admins) is Role.VIEWER
    assert role_of({"email": "x@example.org", "is_admin": True}, admins) is Role.VIEWER


@pytest.mark.parametrize("value", [5, None, {"rollgate-admins": True}, [["rollgate-admins"]], [5, None], b"x"])
def test_a_claim_that_is_not_a_string_or_a_list_of_strings_is_ignored(value: object) -> None:
    assert role_of({"roles": value, "email": 7}, RULES) is Role.VIEWER


def test_without_a_roles_file_everyone_signed_in_is_a_viewer() -> None:
    assert role_of({"email": "chair@example.org", "roles": ["rollgate-admins"]}, NOBODY) is Role.VIEWER


# -- read_roles: the file ----------------------------------------------------------------------------------

def _file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "roles.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_roles_file_is_read_with_its_claim_values_and_emails(tmp_path: Path) -> None:
    path = _file(tmp_path, 'claim = "groups"\n\n[claim_values]\n"rollgate-approvers" = "approver"\n\n'
                           '[emails]\n"Ana@Example.org" = "Analyst"\n')
    rules = read_roles(path)
    assert rules == RolesFile(claim="groups", claim_values={"rollgate-approvers": "approver"},
                              emails={"ana@example.org": "Analyst"})
    assert role_of({"email": "ana@example.org"}, rules) is Role.ANALYST
    assert read_roles(_file(tmp_path, "")) == NOBODY  # an empty file maps nobody: the claim is "roles"
    assert NOBODY.claim == "roles"


def test_a_missing_roles_file_makes_everyone_a_viewer(tmp_path: Path) -> None:
    assert read_roles(tmp_path / "no-such.toml") is NOBODY


def test_the_roles_file_of_the_environment_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _file(tmp_path, '[emails]\n"ad@example.org" = "admin"\n')
    monkeypatch.setenv("ROLLGATE_ROLES", str(path))
    assert read_roles().emails == {"ad@example.org": "admin"}


def test_a_roles_file_that_is_not_toml_is_refused_naming_the_file_and_the_line(tmp_path: Path) -> None:
    path = _file(tmp_path, 'claim = "roles"\n[claim_values\n')
    with pytest.raises(InputError) as refused:
        read_roles(path)
    assert str(refused.value) == (
        f"The roles file {path} is not valid TOML: Expected ']' at the end of a table declaration (at line 2, "
        "column 14). Until it is fixed, everyone signed in is a viewer.")


def test_an_unknown_role_is_refused_naming_the_file_and_the_entry(tmp_path: Path) -> None:
    path = _file(tmp_path, '[emails]\n"boss@example.org" = "superuser"\n')
    with pytest.raises(InputError) as refused:
        read_roles(path)
    assert str(refused.value) == (
        f'The roles file {path} has a problem: emails: "boss@example.org" = "superuser": a role is one of viewer, '
        "analyst, approver, admin. Until it is fixed, everyone signed in is a viewer.")
    path = _file(tmp_path, '[claim_values]\n"rollgate-admins" = "root"\n')
    with pytest.raises(InputError) as refused:
        read_roles(path)
    assert str(refused.value) == (
        f'The roles file {path} has a problem: claim_values: "rollgate-admins" = "root": a role is one of viewer, '
        "analyst, approver, admin. Until it is fixed, everyone signed in is a viewer.")


def test_an_unknown_setting_is_refused_naming_the_file_and_the_setting(tmp_path: Path) -> None:
    path = _file(tmp_path, 'claims = "groups"\n')  # a typo for `claim`: not silently the default claim
    with pytest.raises(InputError) as refused:
        read_roles(path)
    assert str(refused.value) == (
        f"The roles file {path} has a problem: claims: not a setting of the roles file (it has claim, "
        "[claim_values] and [emails]). Until it is fixed, everyone signed in is a viewer.")


def test_a_role_that_is_not_text_is_refused(tmp_path: Path) -> None:
    path = _file(tmp_path, '[claim_values]\n"rollgate-admins" = 4\n')
    with pytest.raises(InputError) as refused:
        read_roles(path)
    assert str(refused.value) == (
        f"The roles file {path} has a problem: claim_values.rollgate-admins: Input should be a valid string. Until "
        "it is fixed, everyone signed in is a viewer.")


def test_a_roles_file_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "roles.toml"
    path.write_bytes(b'[emails]\n"\xe9@example.org" = "admin"\n')
    with pytest.raises(InputError) as refused:
        read_roles(path)
    assert str(refused.value).startswith(f"The roles file {path} cannot be read (")
    assert str(refused.value).endswith("); until it can, everyone signed in is a viewer. Check its permissions and "
                                       "that it is UTF-8 text.")
