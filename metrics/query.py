"""Running metric SQL: named parameters bound from one dictionary, results read as records.

Metric SQL names its values `$start`, `$stop`, `$department`…; `fetch_one` binds exactly the
ones a statement uses (DuckDB refuses unused ones), so no value is ever formatted into SQL.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import duckdb

from metrics.model import Window

_PARAM = re.compile(r"\$([a-z_][a-z0-9_]*)")


def window_params(window: Window) -> dict[str, object]:
    """The window as bound values: `start`/`end` dates (inclusive) and `stop` = end + 1 day, so a
    timestamp column is compared as `>= $start and < $stop` (its UTC date lies in the window)."""
    return {
        "start": window.start,
        "end": window.end,
        "stop": window.end + timedelta(days=1),
        "department": window.department,
        "use_case": window.use_case,
    }


def bind(sql: str, params: Mapping[str, object]) -> dict[str, object]:
    """The parameters `sql` refers to, taken from `params`; KeyError names a missing one."""
    return {name: params[name] for name in dict.fromkeys(_PARAM.findall(sql))}


def fetch_one(con: duckdb.DuckDBPyConnection, sql: str, params: Mapping[str, object]) -> dict[str, Any]:
    """The single row of an aggregate query as {column: value}."""
    cur = con.execute(sql, bind(sql, params))
    names = [d[0] for d in cur.description or ()]
    row = cur.fetchone()
    cur.fetchall()  # consume the result, so the connection can take new work
    if row is None:
        raise RuntimeError("an aggregate query returned no row")
    return dict(zip(names, row, strict=True))


def fetch_column(con: duckdb.DuckDBPyConnection, sql: str, params: Mapping[str, object]) -> list[Any]:
    """The first column of every row."""
    return [r[0] for r in con.execute(sql, bind(sql, params)).fetchall()]
