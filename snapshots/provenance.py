"""Provenance of a review: which ingestions (files) the evidence came from.

The span is every day the snapshot read: the review window, each pause trigger's window and the
trend months. An ingestion is a source when at least one of its rows, as stored now, is one the
metrics of that span could read — whatever the department or use-case filter (so the list is
never shorter than the truth):

| dataset | a row counts when |
|---|---|
| roster | access was granted on or before the span's end (access on any day can matter) |
| training | completed on or before the span's end (earlier completions count towards training) |
| usage, reviews, feedback | placed in the span by its time column |
| costs | its month overlaps the span |
| incidents | reported in the span, or reported before it and still unresolved at its end |
| support | opened or closed in the span, or opened before it and still open at its end |

Undone ingestions have no rows, so they never appear. Grain: one row per ingestion.
"""

from __future__ import annotations

from datetime import date, timedelta

import duckdb

from loaders.schema import DATASETS
from snapshots.record import Source

# dataset -> the condition on a stored row ($start, $end: the span's days, $stop = end + 1 day).
READ_IN_SPAN: dict[str, str] = {
    "roster": "access_granted_on <= $end",
    "training": "completed_on <= $end",
    "usage": "occurred_at >= $start and occurred_at < $stop",
    "reviews": "reviewed_at >= $start and reviewed_at < $stop",
    "feedback": "submitted_at >= $start and submitted_at < $stop",
    "costs": "month >= date_trunc('month', $start) and month < $stop",
    "incidents": "reported_at < $stop and (reported_at >= $start or resolved_at is null or resolved_at >= $stop)",
    "support": "(opened_at >= $start and opened_at < $stop) or (closed_at >= $start and closed_at < $stop) "
               "or (opened_at < $start and (closed_at is null or closed_at >= $stop))",
}
assert set(READ_IN_SPAN) == set(DATASETS), "every dataset needs a provenance rule"


def sources(con: duckdb.DuckDBPyConnection, start: date, end: date) -> tuple[Source, ...]:
    """Every ingestion with stored rows the span [start, end] could read, by ingestion id."""
    counted = " union all ".join(
        f"select ingestion_id, count(*) as n from {name} where {rule} group by ingestion_id"
        for name, rule in READ_IN_SPAN.items())
    sql = f"""
        with counted as ({counted})
        select i.id, i.dataset, i.file_name, i.sha256, strftime(i.uploaded_at, '%Y-%m-%dT%H:%M:%SZ'),
               i.rows_read, sum(c.n)
        from counted c join ingestions i on i.id = c.ingestion_id
        group by all
        order by i.id"""
    params = {"start": start, "end": end, "stop": end + timedelta(days=1)}
    rows = con.execute(sql, params).fetchall()
    return tuple(Source(ingestion_id=r[0], dataset=r[1], file_name=r[2], sha256=r[3], uploaded_at=r[4],
                        rows_in_file=r[5], rows=int(r[6])) for r in rows)
