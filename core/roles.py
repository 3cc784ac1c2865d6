"""The roles file (DESIGN.md §11): who gets which Rollgate role when sign-in is on.

One TOML file, `data/roles.toml` beside the plan (or `$ROLLGATE_ROLES`):

    claim = "roles"              # the ID-token claim that lists a person's groups or app roles

    [claim_values]               # a value of that claim -> a Rollgate role
    "rollgate-approvers" = "approver"

    [emails]                     # or a person by e-mail address
    "ana@example.org" = "analyst"

A person gets the highest role any entry gives them; anyone signed in whom no entry names is a viewer.
Nothing from the identity provider is trusted beyond what this file maps: a claim value the file does
not name gives nothing.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from core.access import ROLE_WORDS, Role
from core.errors import InputError
from core.paths import DATA

DEFAULT_ROLES = DATA / "roles.toml"
DEFAULT_CLAIM = "roles"


class RolesFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    claim: str = DEFAULT_CLAIM
    claim_values: dict[str, str] = {}
    emails: dict[str, str] = {}

    @field_validator("claim_values", "emails")
    @classmethod
    def _known_roles(cls, entries: dict[str, str]) -> dict[str, str]:
        for key, role in entries.items():
            if role.strip().lower() not in ROLE_WORDS:
                raise ValueError(f'"{key}" = "{role}": a role is one of {", ".join(ROLE_WORDS)}')
        return entries

    @field_validator("emails")
    @classmethod
    def _lower_emails(cls, entries: dict[str, str]) -> dict[str, str]:
        return {key.strip().lower(): role for key, role in entries.items()}


NOBODY = RolesFile()


def roles_path() -> Path:
    return Path(os.environ.get("ROLLGATE_ROLES") or DEFAULT_ROLES)


def read_roles(path: Path | None = None) -> RolesFile:
    """The roles file at `path` (default `roles_path()`); NOBODY (everyone a viewer) when there is none.
    InputError naming the file, and the line or entry, when it cannot be used."""
    target = path or roles_path()
    try:
        text = target.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return NOBODY
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"The roles file {target} cannot be read ({e}); until it can, everyone signed in is a "
                         "viewer. Check its permissions and that it is UTF-8 text.") from e
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise InputError(f"The roles file {target} is not valid TOML: {e}. Until it is fixed, everyone signed in "
                         "is a viewer.") from e
    try:
        return RolesFile.model_validate(data)
    except ValidationError as e:
        where = "; ".join(f"{'.'.join(str(p) for p in err['loc']) or 'the file'}: {_said(err)}" for err in e.errors())
        raise InputError(f"The roles file {target} has a problem: {where}. Until it is fixed, everyone signed in "
                         "is a viewer.") from e


def _said(error: Mapping[str, object]) -> str:
    """One problem of the file in words (a misspelt setting is named as such, not in pydantic's words)."""
    if error.get("type") == "extra_forbidden":
        return "not a setting of the roles file (it has claim, [claim_values] and [emails])"
    return str(error.get("msg", "")).removeprefix("Value error, ")


def role_of(claims: Mapping[str, object], rules: RolesFile) -> Role:
    """A signed-in person's role: the highest any entry of `rules` gives their e-mail address or a value of the
    configured claim (a string, or a list of them); a viewer when none does. An e-mail address the identity
    provider says it has not verified (`email_verified` false) matches no entry: anyone can type one in."""
    found = [Role.VIEWER]
    email = claims.get("email")
    verified = str(claims.get("email_verified", True)).strip().lower() != "false"  # some providers send text
    if verified and isinstance(email, str) and email.strip().lower() in rules.emails:
        found.append(Role.of(rules.emails[email.strip().lower()]))
    values = claims.get(rules.claim)
    if isinstance(values, str):
        values = [values]
    if isinstance(values, list | tuple):
        found += [Role.of(rules.claim_values[v]) for v in values if isinstance(v, str) and v in rules.claim_values]
    return max(found)
