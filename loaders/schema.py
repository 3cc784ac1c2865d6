"""The canonical datasets of Rollgate, declared as data.

Every loader, the store's DDL, the validation SQL and the generated docs read these
declarations; nothing else lists columns, types, enumerations or aliases.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ColumnType = Literal["str", "id", "key", "int", "float", "bool", "date", "timestamp", "month", "enum"]

# DuckDB storage type per declared type. `id` and `key` are text with extra normalisation;
# `month` is stored as the first day of the month so windows can compare dates.
SQL_TYPES: dict[str, str] = {
    "str": "varchar",
    "id": "varchar",
    "key": "varchar",
    "enum": "varchar",
    "int": "bigint",
    "float": "double",
    "bool": "boolean",
    "date": "date",
    "timestamp": "timestamp",
    "month": "date",
}

TYPE_WORDS: dict[str, str] = {
    "str": "text",
    "id": "identifier (trimmed, lower-cased)",
    "key": "key (trimmed, case kept)",
    "enum": "one of",
    "int": "whole number",
    "float": "number",
    "bool": "yes/no (true/false/yes/no/1/0/y/n)",
    "date": "date (YYYY-MM-DD)",
    "timestamp": "timestamp (ISO 8601, UTC unless a zone is given)",
    "month": "month (YYYY-MM or any date in that month)",
}


@dataclass(frozen=True)
class Column:
    """One canonical column: its type, whether it is required, its range and aliases."""

    name: str
    type: ColumnType
    required: bool = False
    values: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    default: int | float | None = None
    aliases: tuple[str, ...] = ()
    derived_key: bool = False  # an optional key derived from the row when missing

    @property
    def sql_type(self) -> str:
        return SQL_TYPES[self.type]

    def describe(self) -> str:
        """The column's type and constraints in plain words, for docs and messages."""
        words = TYPE_WORDS[self.type]
        if self.type == "enum":
            words = f"one of {', '.join(self.values)}"
        limits = []
        if self.minimum is not None and self.maximum is not None:
            limits.append(f"{_num(self.minimum)} to {_num(self.maximum)}")
        elif self.maximum is not None:
            limits.append(f"<= {_num(self.maximum)}")
        elif self.minimum is not None:
            limits.append(f">= {_num(self.minimum)}")
        if self.default is not None:
            limits.append(f"default {_num(self.default)}")
        return words + (f" ({'; '.join(limits)})" if limits else "")


def _num(x: float) -> str:
    return f"{int(x):,}" if float(x).is_integer() else str(x)


@dataclass(frozen=True)
class Dataset:
    """One canonical dataset: its table, key columns and the column that places it in time."""

    name: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    time_column: str
    meaning: str
    extra_aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def describes_state(self) -> bool:
        """Roster and training describe a state, not events: once loaded they cover every date (§2 Coverage)."""
        return self.name in STATE_DATASETS

    @property
    def required(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.required)

    @property
    def optional(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if not c.required)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def derived_key(self) -> Column | None:
        """The key column that is derived from the row's values when it is missing."""
        for c in self.columns:
            if c.derived_key:
                return c
        return None


STATE_DATASETS = ("roster", "training")
USER = ("user", "email", "e_mail", "user_email", "user_principal_name", "upn", "login", "employee_id",
        "username", "user_name")
DEPARTMENT = ("group", "team", "business_unit", "dept", "department_name")
USE_CASE = ("task", "scenario", "feature", "use case", "usecase")
# Upper bounds of DESIGN.md §2 "Plausible values": no one row spends more than a day's minutes on one task.
DAY_MINUTES = 1_440
WHEN = ("timestamp", "date", "time", "created_at", "event_time", "datetime")


def _c(name: str, type_: ColumnType, required: bool = False, **kw: object) -> Column:
    return Column(name, type_, required, **kw)  # type: ignore[arg-type]


DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in (
        Dataset(
            "roster", ("user_id",),
            (
                _c("user_id", "id", True, aliases=USER),
                _c("department", "id", True, aliases=DEPARTMENT),
                _c("access_granted_on", "date", True, aliases=("granted_on", "access_granted", "granted",
                                                               "access_start", "start_date")),
                _c("role", "str", aliases=("job_title", "title", "position")),
                _c("access_revoked_on", "date", aliases=("revoked_on", "access_revoked", "revoked",
                                                         "access_end", "end_date")),
            ),
            "access_granted_on",
            "Who has access to the tool, in which department, from when and until when.",
        ),
        Dataset(
            "training", ("user_id", "module"),
            (
                _c("user_id", "id", True, aliases=USER),
                _c("module", "id", True, aliases=("course", "activity", "module_name", "training_module")),
                _c("completed_on", "date", True, aliases=("completed", "completion_date", "completed_at",
                                                          "date_completed")),
                _c("score", "float", minimum=0, maximum=100, aliases=("grade", "result")),
            ),
            "completed_on",
            "Training modules completed by each user.",
        ),
        Dataset(
            "usage", ("event_id",),
            (
                _c("event_id", "key", derived_key=True, aliases=("id", "event", "interaction_id", "request_id")),
                _c("occurred_at", "timestamp", True, aliases=WHEN),
                _c("user_id", "id", True, aliases=USER),
                _c("use_case", "id", True, aliases=USE_CASE),
                _c("interactions", "int", minimum=1, maximum=100_000, default=1,
                   aliases=("count", "prompts", "requests", "messages", "interaction_count")),
                _c("output_action", "enum", values=("accepted", "edited", "rejected", "discarded"),
                   aliases=("action", "outcome", "output_outcome")),
                _c("minutes_saved", "float", minimum=0, maximum=DAY_MINUTES,
                   aliases=("time_saved", "saved_minutes", "minutes")),
                _c("cost", "float", minimum=0, maximum=1_000_000, aliases=("price", "spend", "amount")),
            ),
            "occurred_at",
            "What people did with the tool: one row per use (or a count of uses).",
        ),
        Dataset(
            "reviews", ("review_id",),
            (
                _c("review_id", "key", True, aliases=("review",)),
                _c("reviewed_at", "timestamp", True, aliases=("review_date", "reviewed_on", "review_time")),
                _c("use_case", "id", True, aliases=USE_CASE),
                _c("outcome", "enum", True, values=("approved", "corrected", "rejected"),
                   aliases=("review_outcome", "verdict", "result")),
                _c("event_id", "key", aliases=("event", "interaction_id", "request_id")),
                _c("reviewer_id", "id", aliases=("reviewer", "reviewed_by", "reviewer_email")),
                _c("error_severity", "enum", values=("none", "minor", "major", "critical"),
                   aliases=("severity",)),
                _c("error_type", "str", aliases=("error", "error_category")),
                _c("review_minutes", "float", minimum=0, maximum=DAY_MINUTES,
                   aliases=("review_time_minutes", "minutes_reviewing")),
                _c("rework_minutes", "float", minimum=0, maximum=DAY_MINUTES,
                   aliases=("rework_time_minutes", "minutes_rework")),
            ),
            "reviewed_at",
            "Human reviews of the tool's outputs: approved, corrected or rejected.",
        ),
        Dataset(
            "costs", ("line_id",),
            (
                _c("line_id", "key", derived_key=True, aliases=("id", "invoice_line", "line")),
                _c("month", "month", True, aliases=("period", "billing_month", "invoice_month")),
                _c("category", "enum", True,
                   values=("licence", "usage", "infrastructure", "training", "support", "other"),
                   aliases=("cost_category", "type", "cost_type")),
                _c("amount", "float", True, minimum=0, maximum=1_000_000_000,
                   aliases=("cost", "value", "total", "net_amount")),
                _c("currency", "str", aliases=("ccy",)),
                _c("department", "id", aliases=DEPARTMENT),
                _c("use_case", "id", aliases=USE_CASE),
                _c("description", "str", aliases=("details", "memo", "note")),
            ),
            "month",
            "Money spent on the tool, by month and category.",
        ),
        Dataset(
            "incidents", ("incident_id",),
            (
                _c("incident_id", "key", True, aliases=("incident", "number", "incident_number")),
                _c("reported_at", "timestamp", True, aliases=("opened_at", "reported_on", "reported", "created")),
                _c("category", "enum", True,
                   values=("poor_output", "data_exposure", "privacy", "out_of_scope", "unsafe_output",
                           "complaint", "access", "other"),
                   aliases=("incident_category", "type", "incident_type")),
                _c("severity", "enum", True, values=("low", "medium", "high", "critical"),
                   aliases=("impact", "incident_severity")),
                _c("use_case", "id", aliases=USE_CASE),
                _c("output_used", "bool", aliases=("used_output",)),
                _c("people_affected", "int", minimum=0, maximum=10_000_000, aliases=("affected", "people")),
                _c("description", "str", aliases=("short_description", "summary", "details")),
                _c("correction", "str", aliases=("corrective_action", "fix")),
                _c("escalated", "bool", aliases=("is_escalated",)),
                _c("status", "enum", values=("open", "mitigating", "resolved"), aliases=("state",)),
                _c("resolved_at", "timestamp", aliases=("resolved", "resolved_on", "closed_at")),
            ),
            "reported_at",
            "Things that went wrong: poor outputs, data exposure, complaints and more.",
        ),
        Dataset(
            "support", ("ticket_id",),
            (
                _c("ticket_id", "key", True, aliases=("ticket", "issue_key", "key", "number")),
                _c("opened_at", "timestamp", True, aliases=("created", "created_at", "opened", "opened_on")),
                _c("category", "enum", True,
                   values=("how_to", "allowed_use", "data_rules", "review", "access", "output_quality",
                           "bug", "other"),
                   aliases=("ticket_category", "type", "issue_type")),
                _c("user_id", "id", aliases=(*USER, "reporter", "requester")),
                _c("closed_at", "timestamp", aliases=("resolved", "resolved_at", "closed", "closed_on")),
                _c("status", "str", aliases=("state",)),
                _c("topic", "str", aliases=("summary", "subject", "title")),
                _c("handling_minutes", "float", minimum=0, maximum=DAY_MINUTES,
                   aliases=("time_spent_minutes", "effort_minutes")),
            ),
            "opened_at",
            "Support requests about the tool, with their category and topic.",
        ),
        Dataset(
            "feedback", ("response_id",),
            (
                _c("response_id", "key", True, aliases=("response", "id")),
                _c("submitted_at", "timestamp", True, aliases=("submitted", "submitted_on", "created_at",
                                                               "date")),
                _c("satisfaction", "int", True, minimum=1, maximum=5, aliases=("rating", "score", "csat")),
                _c("user_id", "id", aliases=USER),
                _c("use_case", "id", aliases=USE_CASE),
                _c("comment", "str", aliases=("comments", "feedback", "text")),
            ),
            "submitted_at",
            "What users said: a 1-5 satisfaction score and an optional comment.",
        ),
    )
}


def normalise_header(name: str) -> str:
    """A header in the form aliases are written in: trimmed, lower-case, words joined by `_`."""
    out = []
    for ch in name.strip().lower():
        out.append(ch if ch.isalnum() else " ")
    return "_".join("".join(out).split())
