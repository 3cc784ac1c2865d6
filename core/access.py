"""Who may do what (DESIGN.md §11): the four roles, the actions that change something, and the person acting.

Roles form a ladder: each adds to the one before it (a viewer sees every page and downloads; an analyst also
imports, undoes and maps feature names; an approver also records gate decisions; an admin also edits and loads
the plan). The engine functions that write (`loaders.ingest`, `snapshots.build.record_review`,
`gates.plan_history.record`) take the `Actor` and call `require` themselves: a hidden button is not the guard.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from enum import IntEnum, StrEnum

from core.errors import InputError


class Role(IntEnum):
    VIEWER = 1
    ANALYST = 2
    APPROVER = 3
    ADMIN = 4

    @property
    def word(self) -> str:
        return self.name.lower()

    @classmethod
    def of(cls, word: str) -> Role:
        return cls[word.strip().upper()]


ROLE_WORDS = tuple(r.word for r in Role)


class Action(StrEnum):
    """What a person does that changes Rollgate's records (and reading the activity log); the value is the
    word the activity log records."""

    IMPORT = "import"
    UNDO = "undo"
    MAPPINGS = "mappings"
    DECIDE = "decision"
    PLAN = "plan"
    KEYS = "key rotation"
    EXPORT = "export"
    READ_ACTIVITY = "read activity"


# The least role an action needs, and the action in words (for a refusal).
NEEDS: dict[Action, Role] = {
    Action.IMPORT: Role.ANALYST,
    Action.UNDO: Role.ANALYST,
    Action.MAPPINGS: Role.ANALYST,
    Action.DECIDE: Role.APPROVER,
    Action.PLAN: Role.ADMIN,
    Action.KEYS: Role.ADMIN,
    Action.EXPORT: Role.VIEWER,
    Action.READ_ACTIVITY: Role.APPROVER,
}
WORDS: dict[Action, str] = {
    Action.IMPORT: "importing exports",
    Action.UNDO: "undoing an import",
    Action.MAPPINGS: "mapping feature names to use cases",
    Action.DECIDE: "recording a gate decision",
    Action.PLAN: "changing the rollout plan",
    Action.KEYS: "rotating the signing key",
    Action.EXPORT: "downloading a report",
    Action.READ_ACTIVITY: "reading the activity log",
}
SIGN_IN_OFF = "anyone (sign-in is off)"


@dataclass(frozen=True)
class Actor:
    """The person acting: the signed-in identity, the operating-system user of the command line, or, with
    sign-in off, whoever reaches the app (every role, as for one person on their own machine)."""

    name: str
    email: str | None
    role: Role
    signed_in: bool = False

    @property
    def label(self) -> str:
        """How records name the person: "Name <e-mail>", or the one of the two there is."""
        if self.email and self.name and self.name != self.email:
            return f"{self.name} <{self.email}>"
        return self.name or self.email or "someone without a name"

    def may(self, action: Action) -> bool:
        return self.role >= NEEDS[action]


class NotAllowed(InputError):
    """The person's role does not allow the action; nothing was changed."""


def require(actor: Actor, action: Action) -> None:
    """Refuse (NotAllowed, nothing changed) an action the actor's role does not allow."""
    if not actor.may(action):
        need = NEEDS[action].word
        raise NotAllowed(f"{actor.label} is {_a(actor.role.word)}: {WORDS[action]} needs the {need} role. Nothing "
                         f"was changed. Ask a Rollgate admin to give you the {need} role in the roles file.")


def _a(word: str) -> str:
    return f"an {word}" if word[0] in "aeiou" else f"a {word}"


def local(name: str | None = None) -> Actor:
    """The command line's actor: `--as NAME`, else the operating-system user. Whoever runs the command line
    has the database file and the key folder at hand, so every role."""
    if name is not None and name.strip():
        return Actor(name=name.strip(), email=None, role=Role.ADMIN)
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container): still someone, said so
        user = "the operating-system user"
    return Actor(name=user, email=None, role=Role.ADMIN)


def sign_in_off() -> Actor:
    """The app's actor when sign-in is off: one person on their own machine, every role."""
    return Actor(name=SIGN_IN_OFF, email=None, role=Role.ADMIN)
