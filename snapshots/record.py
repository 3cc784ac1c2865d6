"""The gate-review snapshot (DESIGN.md §5): the record, its canonical JSON and its hash.

A snapshot freezes one review: the plan (full text and sha256), stage, window, every criterion
result, every pause trigger, readiness, the recommendation, the expansion forecast shown beside it (when there
is a stage to forecast), every metric of the six families
(with monthly trends for the report's charts), the incidents of the window, the person's
decision, provenance (the ingestions the review read), created_at, the app version, the snapshot it supersedes, the hash
of the snapshot recorded before it, and `content_sha256`.

Canonical JSON — the bytes `content_sha256` is the sha256 (hex) of:
- the record as JSON data (as written to the .json file) without its `content_sha256` key;
- object keys sorted, no whitespace (separators "," and ":"), non-ASCII characters written as
  \\uXXXX escapes, so the bytes are plain ASCII; NaN and infinities are refused;
- numbers: a float that is a whole number below 1e15 in magnitude is written as an integer
  (3.0 -> 3, -0.0 -> 0), any other float as Python's shortest round-trip repr, which is the same
  on every IEEE-754 platform (0.1 -> 0.1, 1.5e-05 -> 1.5e-05); integers as they are; booleans as
  true/false. So 3 and 3.0 (or 0.5 and 0.50) hash alike, while any change of value does not;
- dates as YYYY-MM-DD, created_at as YYYY-MM-DDTHH:MM:SSZ (UTC), text exactly as given.
Stability: when a snapshot is built, every float is first rounded to 10 significant digits
(`float(f"{x:.10g}")`, -0.0 -> 0.0), so the last-bit noise of a sum computed in another order
or on another machine does not change the hash; the .json file holds exactly those values.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from gates.criteria import CriterionResult
from gates.forecast import Forecast
from gates.plan import Outcome
from gates.readiness import ReadinessItem
from gates.recommend import Recommendation
from gates.triggers import TriggerResult
from metrics.registry import METRICS
from snapshots.signing import SignatureRecord

FORMAT: Literal["rollgate.gate-review/1"] = "rollgate.gate-review/1"
SIGNIFICANT_DIGITS = 10
HASH_FIELD = "content_sha256"
# The signature signs content_sha256, so it is not part of the content that hash covers.
SIGNATURE_FIELD = "signature"
_SHA256 = re.compile(r"[0-9a-f]{64}")
_CREATED_AT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")


# -- numbers and canonical JSON ------------------------------------------------------------------

def round_float(x: float) -> float:
    """`x` rounded to 10 significant digits; -0.0 becomes 0.0. ValueError for NaN or infinity."""
    if not math.isfinite(x):
        raise ValueError(f"a snapshot cannot hold the number {x!r}")
    rounded = float(f"{x:.{SIGNIFICANT_DIGITS}g}")
    return rounded if rounded != 0 else 0.0


def canonical_number(x: int | float) -> int | float:
    """The number as canonical JSON writes it (see the module docstring)."""
    if isinstance(x, int):  # bool is an int too
        return x
    if not math.isfinite(x):
        raise ValueError(f"a snapshot cannot hold the number {x!r}")
    if x.is_integer() and abs(x) < 1e15:
        return int(x)
    return x


def rounded(data: Any) -> Any:
    """`data` (JSON-like) with every float rounded to 10 significant digits; other values unchanged."""
    if isinstance(data, float):
        return round_float(data)
    if isinstance(data, Mapping):
        return {k: rounded(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [rounded(v) for v in data]
    return data


def _canonical(data: Any) -> Any:
    if data is None or isinstance(data, str | bool):
        return data
    if isinstance(data, int | float):
        return canonical_number(data)
    if isinstance(data, Mapping):
        if not all(isinstance(k, str) for k in data):
            raise TypeError("canonical JSON needs text keys")
        return {k: _canonical(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [_canonical(v) for v in data]
    raise TypeError(f"canonical JSON cannot hold a {type(data).__name__}")


def canonical_json(data: Mapping[str, Any]) -> bytes:
    """The canonical JSON bytes of `data` (JSON-like: dicts, lists, text, numbers, booleans, null)."""
    return json.dumps(_canonical(data), sort_keys=True, separators=(",", ":"), ensure_ascii=True,
                      allow_nan=False).encode("ascii")


def content_sha256(data: Mapping[str, Any]) -> str:
    """sha256 (hex) of the canonical JSON of `data` without its `content_sha256` and `signature` keys."""
    body = {k: v for k, v in data.items() if k not in (HASH_FIELD, SIGNATURE_FIELD)}
    return hashlib.sha256(canonical_json(body)).hexdigest()


def utc_stamp(moment: datetime) -> str:
    """A moment as created_at is written: UTC, whole seconds, 'YYYY-MM-DDTHH:MM:SSZ'. A naive
    datetime is taken as UTC."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _metric_order(metric_id: str) -> tuple[int, str]:
    return (_REGISTRY_ORDER.get(metric_id, len(_REGISTRY_ORDER)), metric_id)


_REGISTRY_ORDER = {m.id: i for i, m in enumerate(METRICS)}


# -- the record -----------------------------------------------------------------------------------

class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True, allow_inf_nan=False)


class StageRef(_Record):
    """A stage of the plan as the report names it (for stage boundaries in the trend charts)."""

    id: str
    name: str
    starts_on: date


class PlanRecord(_Record):
    """The plan the review was judged against: its full text and the sha256 of that text."""

    name: str
    owner: str
    sha256: str
    content: str
    stages: tuple[StageRef, ...]


class StageRecord(_Record):
    """The reviewed stage: what it allowed and how long it had run by the window's end."""

    id: str
    name: str
    starts_on: date
    mode: str
    departments: tuple[str, ...]
    approved_use_cases: tuple[str, ...]
    min_duration_days: int
    days_run: int


class WindowRecord(_Record):
    """The reviewed window [from, to] (inclusive) and its filters."""

    from_: date = Field(alias="from")
    to: date
    department: str | None = None
    use_case: str | None = None


class PeriodRecord(_Record):
    """The review period the stage was judged on (gates.period, DESIGN.md §4): the months of the window in
    which it was in force throughout, else the part of the window in which it was; `note` says why it
    differs from the window, and `months` names the months whose mean judged accumulating metrics."""

    from_: date = Field(alias="from")
    to: date
    note: str | None = None
    months: tuple[str, ...] = ()


class MetricRecord(_Record):
    """One metric over the window, as judged: value (None = no data), n and 95% interval."""

    family: str
    label: str
    unit: str
    value: float | None
    n: int | None = None
    low: float | None = None
    high: float | None = None


class TrendPoint(_Record):
    """One metric over one calendar month (the part of it up to the window's end), same filters."""

    month: str
    from_: date = Field(alias="from")
    to: date
    value: float | None
    n: int | None = None


class Source(_Record):
    """One ingestion whose rows the review read: the file, its sha256, and how many of its rows."""

    ingestion_id: int
    dataset: str
    file_name: str
    sha256: str
    uploaded_at: str
    rows_in_file: int
    rows: int  # rows of this ingestion stored now and inside the span the review read


class Provenance(_Record):
    """Where the evidence came from: the days the review read (window, trigger windows and trend
    months) and every ingestion with rows in them."""

    from_: date = Field(alias="from")
    to: date
    sources: tuple[Source, ...]


class IncidentRecord(_Record):
    """One incident as exported (descriptions as written; the report escapes them)."""

    incident_id: str
    reported_at: str
    category: str
    severity: str
    use_case: str | None = None
    status: str | None = None
    resolved_at: str | None = None
    people_affected: int | None = None
    escalated: bool | None = None
    output_used: bool | None = None
    description: str | None = None
    correction: str | None = None


class IncidentList(_Record):
    """The incidents of the review window (snapshots.evidence): `total` of them, the first `listed`."""

    total: int
    listed: tuple[IncidentRecord, ...]


class Decision(_Record):
    """The person's decision at the gate. It may differ from the recommendation; then the
    rationale says why (build.check_decision refuses it otherwise)."""

    outcome: Outcome
    decided_by: str
    rationale: str = ""
    conditions: str = ""
    next_review_on: date | None = None


class Snapshot(_Record):
    """One frozen gate review (DESIGN.md §5). Build it with snapshots.build; load a stored one with
    snapshots.store, a file with snapshots.record.load_json (both check content_sha256)."""

    format: Literal["rollgate.gate-review/1"] = FORMAT
    id: int
    content_sha256: str
    created_at: str
    app_version: str
    supersedes: int | None = None
    previous_sha256: str | None = None  # content_sha256 of the snapshot recorded just before
    plan: PlanRecord
    stage: StageRecord
    window: WindowRecord
    period: PeriodRecord | None = None  # absent from the records made before review periods
    currency: str
    recommendation: Recommendation
    decision: Decision
    criteria: tuple[CriterionResult, ...]
    triggers: tuple[TriggerResult, ...]
    readiness: tuple[ReadinessItem, ...]
    forecast: Forecast | None = None  # the expansion forecast shown beside the review; absent from older records
    # The plan's evidence method that judged the criteria (their low/high): absent from older records, all "fixed".
    evidence_method: Literal["fixed", "sequential"] | None = None
    metrics: dict[str, MetricRecord]
    trends: dict[str, tuple[TrendPoint, ...]]
    incidents: IncidentList
    provenance: Provenance
    signature: SignatureRecord | None = None  # absent from records made before snapshots were signed

    @field_validator("content_sha256")
    @classmethod
    def _hex(cls, v: str) -> str:
        if not _SHA256.fullmatch(v):
            raise ValueError("content_sha256 must be 64 lower-case hex digits")
        return v

    @field_validator("metrics", "trends")
    @classmethod
    def _registry_order(cls, v: dict[str, Any]) -> dict[str, Any]:
        # The database keeps the record as canonical JSON (sorted keys); read back, metrics come in
        # the registry's order again, so a report rendered later is the same file.
        return {k: v[k] for k in sorted(v, key=_metric_order)}

    @field_validator("created_at")
    @classmethod
    def _stamp(cls, v: str) -> str:
        if not _CREATED_AT.fullmatch(v):
            raise ValueError("created_at must be written YYYY-MM-DDTHH:MM:SSZ")
        return v

    # -- views ------------------------------------------------------------------------------
    def as_data(self) -> dict[str, Any]:
        """The record as JSON data, exactly as the .json file holds it (a record made before review periods,
        signatures or forecasts has no such key, so its content_sha256 still holds)."""
        data = self.model_dump(mode="json", by_alias=True)
        # Absent from older records, so that their hash holds.
        for optional in ("period", "forecast", "evidence_method", SIGNATURE_FIELD):
            if data[optional] is None:
                del data[optional]
        return data

    @property
    def fired(self) -> tuple[TriggerResult, ...]:
        return tuple(t for t in self.triggers if t.fired)

    @property
    def differs(self) -> bool:
        """Whether the person decided otherwise than the recommendation."""
        return self.decision.outcome != self.recommendation.outcome

    @property
    def intact(self) -> bool:
        """Whether content_sha256 matches the content."""
        return content_sha256(self.as_data()) == self.content_sha256

    @property
    def title(self) -> str:
        return f"Gate review #{self.id}: {self.stage.name} ({self.stage.id}), {self.window.from_} to {self.window.to}"


def sealed(data: Mapping[str, Any]) -> Snapshot:
    """A Snapshot from record data without a hash: numbers rounded, content_sha256 computed."""
    body = rounded({k: v for k, v in data.items() if k != HASH_FIELD})
    probe = Snapshot.model_validate({**body, HASH_FIELD: "0" * 64})
    digest = content_sha256(probe.as_data())
    return probe.model_copy(update={HASH_FIELD: digest})


# -- reading a record back ---------------------------------------------------------------------

def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError(f"the key {key!r} appears twice in one object")
        seen[key] = value
    return seen


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number a snapshot can hold")


def parse_json(raw: bytes | str) -> dict[str, Any]:
    """The JSON object in `raw` (UTF-8, BOM allowed). ValueError with the reason when it is not one
    JSON object, or has a key twice (a reader and the hash could then see different values)."""
    try:
        text = raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw
        data = json.loads(text, object_pairs_hook=_no_duplicate_keys, parse_constant=_refuse_constant)
    except UnicodeDecodeError as e:
        raise ValueError(f"not UTF-8 text ({e.reason} at byte {e.start})") from e
    except json.JSONDecodeError as e:
        raise ValueError(f"not valid JSON ({e.msg} at line {e.lineno}, column {e.colno})") from e
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    return data
