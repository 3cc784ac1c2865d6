"""Evidence a snapshot keeps beyond the numbers: the incidents behind the risk family.

A steering meeting asks "what happened?" before "how many?". The snapshot lists the incidents
reported in the review window and the earlier ones still unresolved at its end, with their
descriptions as written (escaped when rendered). The use-case filter applies as it does to the
risk metrics (an incident without a use case is left out when it is set); incidents have no
department. Grain: one row per incident, most severe first, then by report time; at most
MAX_INCIDENTS rows, with the total kept beside them.
"""

from __future__ import annotations

from datetime import timedelta

import duckdb

from metrics.model import Window
from snapshots.record import IncidentList, IncidentRecord

MAX_INCIDENTS = 200

_SQL = """
    with chosen as (
        select * from incidents
        where reported_at < $stop
          and (reported_at >= $start or resolved_at is null or resolved_at >= $stop)
          and ($use_case is null or use_case = $use_case)
    )
    select incident_id, strftime(reported_at, '%Y-%m-%dT%H:%M:%SZ'), category, severity, use_case, status,
           strftime(resolved_at, '%Y-%m-%dT%H:%M:%SZ'), people_affected, escalated, output_used, description,
           correction, count(*) over () as total
    from chosen
    order by case severity when 'critical' then 0 when 'high' then 1 when 'medium' then 2 else 3 end,
             reported_at, incident_id
    limit $limit"""


def incidents(con: duckdb.DuckDBPyConnection, window: Window, limit: int = MAX_INCIDENTS) -> IncidentList:
    """The incidents of `window` (reported in it, or before it and unresolved at its end)."""
    params = {"start": window.start, "stop": window.end + timedelta(days=1), "use_case": window.use_case,
              "limit": limit}
    rows = con.execute(_SQL, params).fetchall()
    listed = tuple(IncidentRecord(
        incident_id=r[0], reported_at=r[1], category=r[2], severity=r[3], use_case=r[4], status=r[5],
        resolved_at=r[6], people_affected=r[7], escalated=r[8], output_used=r[9], description=r[10],
        correction=r[11]) for r in rows)
    return IncidentList(total=int(rows[0][12]) if rows else 0, listed=listed)
