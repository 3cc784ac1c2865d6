"""Exports of a snapshot: the HTML report escapes everything and needs no network, the criteria CSV is
safe in a spreadsheet, the JSON file is the record, and files rendered later are the same files."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
from snapshot_fixture import PLAN_TEXT, demo_database, incident, plan, pure_review, pure_snapshot

from gates.review import evaluate
from loaders import store as db
from loaders.ingest import ingest_file
from metrics.model import Window
from metrics.window import month_window
from snapshots.build import record_review
from snapshots.exports import criteria_csv, file_stem, render_all, to_json, write_all
from snapshots.html import report
from snapshots.pdf import INSTALL, to_pdf, unavailable
from snapshots.record import Decision, IncidentList
from snapshots.store import get
from snapshots.verify import verify

SCRIPT = "<script>alert(1)</script>"
RATIONALE = 'Paused: <img src=x onerror="alert(2)"> & a <b>bold</b> claim'
DECIDER = '"><svg onload=alert(3)>'
ALLOWED_TAGS = {"html", "head", "meta", "title", "style", "body", "header", "footer", "strong", "p", "h1", "h2", "h3",
                "section", "table",
                "thead", "tbody", "tr", "th", "td", "span", "ol", "ul", "li", "div", "figure", "figcaption", "svg",
                "rect", "line", "text", "polyline", "circle", "pre"}


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attrs: list[tuple[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attrs += attrs

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parsed(page: str) -> _Tags:
    found = _Tags()
    found.feed(page)
    return found


def _hostile_plan_text() -> str:
    return (PLAN_TEXT.replace('name = "Contract drafting assistant"', 'name = "<b>Drafting</b> & co"', 1)
            .replace('name = "Department rollout"', 'name = "</title><script>alert(4)</script>"', 1)
            .replace('name = "Unexpected data exposure"', 'name = "<iframe src=//evil.example>"', 1))


def test_user_text_is_escaped_in_the_html_report(tmp_path: Path) -> None:
    """An incident description, a rationale, a decider's name and plan names, all hostile, end to end."""
    path = demo_database(tmp_path)
    upload = tmp_path / "incidents-extra.csv"
    upload.write_text("incident_id,reported_at,category,severity,description,correction\n"
                      f'X-1,2026-06-20T10:00:00Z,data_exposure,critical,{SCRIPT},"=HYPERLINK(""http://x"")"\n',
                      encoding="utf-8")
    p = plan(_hostile_plan_text())
    with db.connect(path) as con:
        assert ingest_file(con, upload).status == "stored"
        ev = evaluate(con, p, "department", month_window("2026-06"))
        snap = record_review(con, p, ev, Decision(outcome=ev.recommendation.outcome, decided_by=DECIDER,
                                                  rationale=RATIONALE, conditions="<u>weekly</u>"))
    assert snap.incidents.listed[0].description == SCRIPT  # stored as written
    page = report(snap)
    found = parsed(page)
    assert found.tags <= ALLOWED_TAGS
    assert not [a for a, _ in found.attrs if a.startswith("on")]
    assert "<script" not in page.lower() and "<iframe" not in page.lower() and "<img" not in page.lower()
    for escaped in ("&lt;script&gt;alert(1)&lt;/script&gt;",
                    "Paused: &lt;img src=x onerror=&quot;alert(2)&quot;&gt; &amp; a &lt;b&gt;bold&lt;/b&gt; claim",
                    "&quot;&gt;&lt;svg onload=alert(3)&gt;", "&lt;u&gt;weekly&lt;/u&gt;",
                    "&lt;b&gt;Drafting&lt;/b&gt; &amp; co", "&lt;/title&gt;&lt;script&gt;alert(4)&lt;/script&gt;",
                    "&lt;iframe src=//evil.example&gt;"):
        assert escaped in page, escaped
    text = "".join(found.text)  # what a reader sees: the text exactly as written
    for shown in (SCRIPT, RATIONALE, DECIDER, "<u>weekly</u>", "<b>Drafting</b> & co", "<iframe src=//evil.example>"):
        assert shown in text, shown


def test_the_report_is_self_contained_and_prints() -> None:
    snap = pure_snapshot(incidents=IncidentList(total=1, listed=(incident(SCRIPT),)))
    page = report(snap)
    found = parsed(page)
    fetching = [(a, v) for a, v in found.attrs if a in ("src", "href", "srcset", "data", "action")]
    assert fetching == []
    assert {"script", "link", "img", "iframe", "object", "embed"}.isdisjoint(found.tags)
    assert "url(" not in page and "@import" not in page
    assert "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none';" in page
    assert "@media print" in page and "@page" in page


def test_the_report_reads_in_meeting_order() -> None:
    page = report(pure_snapshot())
    order = ['id="summary"', 'id="decision"', 'id="criteria"', 'id="triggers"', 'id="readiness"',
             'id="family-quality"', 'id="family-value"', 'id="family-cost"', 'id="family-risk"',
             'id="family-adoption"', 'id="family-support"', 'id="provenance"', 'id="integrity"', 'id="plan"']
    positions = [page.index(marker) for marker in order]
    assert positions == sorted(positions)


def test_the_report_states_decision_recommendation_and_hash() -> None:
    ev = pure_review()
    snap = pure_snapshot(ev, decision=Decision(outcome="pause", decided_by="Chair", rationale="Because."))
    page = report(snap)
    assert "The decision (pause) differs from the recommendation (continue); the rationale says why." in page
    assert page.count(snap.content_sha256) >= 2
    assert snap.plan.sha256 in page
    # the hashes are for whoever checks the record: in the footer and the integrity section, not the header
    assert snap.content_sha256 not in page[:page.index('id="decision"')]
    assert "Recorded 2 Jul 2026, 09:30 UTC." in page


def test_the_first_page_summarises_the_review_and_prints_on_one_a4_page(tmp_path: Path) -> None:
    """June on the demo data: the longest list of reasons; a long rationale is cut on the first page."""
    p = plan()
    with db.connect(demo_database(tmp_path)) as con:
        ev = evaluate(con, p, "department", Window(date(2026, 6, 1), date(2026, 6, 30)))
    snap = pure_snapshot(ev, p, decision=Decision(outcome="pause", decided_by="Head of Legal Operations",
                                                  rationale="Client data reached a prompt. " * 40))
    page = report(snap)
    first = page[page.index('id="summary"'):page.index('id="decision"')]
    assert "Judged on 1 Jun 2026 – 30 Jun 2026; the stage had run 91 days (minimum 60)." in first
    assert ('<li><span class="outcome pause">PAUSE</span> Data exposure incidents: 1 in the 30 days to 30 Jun 2026 '
            '(allowed: none); its gate fails too</li>') in first
    assert first.count("<li>") == 3 and "5 more reasons below, with every criterion and pause trigger." in first
    assert "(in full below)" in first
    families = re.findall(r"<tr><td>(\w+)</td><td><span class=\"status (\w+)\">", first)
    assert families == [("Quality", "fail"), ("Value", "pass"), ("Cost", "pass"), ("Risk", "fail"),
                        ("Adoption", "fail"), ("Support", "fail")]
    missing = unavailable()
    if missing is not None:
        pytest.skip(missing)
    import weasyprint  # the summary alone, laid out as the report prints it: one A4 page
    alone = page[:page.index("<section", page.index('id="summary"') + 1)] + "</body></html>"
    assert len(weasyprint.HTML(string=alone).render().pages) == 1


def test_the_report_renders_as_a_pdf_whose_first_page_is_the_summary() -> None:
    missing = unavailable()
    if missing is not None:
        pytest.skip(missing)
    pdf = to_pdf(report(pure_snapshot()))
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    import weasyprint  # the pages the PDF holds: A4 (in CSS pixels, 96 to the inch), the summary alone on the first
    pages = weasyprint.HTML(string=report(pure_snapshot())).render().pages
    assert (round(pages[0].width), round(pages[0].height)) == (794, 1123)
    assert len(pages) > 2


def test_without_the_system_libraries_a_pdf_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("ctypes.util.find_library", lambda name: None)
    assert unavailable() == INSTALL
    assert INSTALL.startswith("PDF needs the Pango text library: on Debian or Ubuntu, apt-get install libpango-1.0-0")


def test_trend_charts_are_inline_svg_with_the_gate_lines(tmp_path: Path) -> None:
    p = plan()
    with db.connect(demo_database(tmp_path)) as con:
        snap = record_review(con, p, evaluate(con, p, "department", month_window("2026-06")),
                             Decision(outcome="pause", decided_by="Chair"))
    page = report(snap)
    gated = len(snap.criteria)
    assert page.count("<svg") == gated
    assert page.count('class="threshold"') == gated
    assert page.count('class="warn"') == sum(1 for c in snap.criteria if c.warn is not None)
    assert "Error rate by month; gate ≤ 10%: 2026-01 " in page
    assert page.count('class="window"') == gated  # June outlined in every chart
    # drawn as the app draws its trends: the stages shaded (neighbours alternate), the limit solid, the warn dashed
    # (January to June: the pilot and the department stage; extra review starts after the trend ends)
    assert page.count('class="stage-band band-0"') == page.count('class="stage-band band-1"') == gated
    first = page[page.index("<svg"):page.index("</svg>")]
    assert re.search(r'<line [^>]*class="threshold"[^>]*stroke="#b3261e"', first)
    assert 'stroke-dasharray' not in re.search(r'<line [^>]*class="threshold"[^>]*>', first).group(0)  # type: ignore[union-attr]
    assert re.search(r'<line [^>]*class="warn"[^>]*stroke-dasharray="5 3"', first)


# -- CSV ------------------------------------------------------------------------------------------------

def _cells(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def test_criteria_csv_neutralises_formulas_and_keeps_numbers() -> None:
    hyperlink = '=HYPERLINK("http://evil.example","click")'
    p = plan(PLAN_TEXT.replace('name = "Department rollout"', 'name = "+SUM(A1:A9)"', 1))
    ev = pure_review(p, values={"value.net_hours_per_active_user": -2.5, "quality.error_rate": 0.12})
    snap = pure_snapshot(ev, p=p, decision=Decision(outcome="pause", decided_by=hyperlink, rationale="r"))
    raw = criteria_csv(snap)
    assert raw.startswith(b'\xef\xbb\xbf"snapshot_id","plan","plan_sha256","stage","stage_name"')
    assert b'"\'=HYPERLINK(""http://evil.example"",""click"")"' in raw
    rows = _cells(raw)
    assert len(rows) == 13
    first = rows[0]
    assert (first["decided_by"], first["stage_name"]) == ("'" + hyperlink, "'+SUM(A1:A9)")
    assert (first["metric"], first["status"], first["value"], first["threshold"]) == (
        "quality.error_rate", "fail", "0.12", "0.1")
    net = next(r for r in rows if r["metric"] == "value.net_hours_per_active_user")
    assert net["value"] == "-2.5"  # a number stays a number
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) or cell == "-2.5"
               for row in rows for cell in row.values())


# -- JSON and files -----------------------------------------------------------------------------------------

def test_the_json_file_is_the_record_and_verifies() -> None:
    snap = pure_snapshot()
    raw = to_json(snap)
    assert json.loads(raw) == snap.as_data()
    assert verify(raw, "s.json").intact


def test_file_names_are_safe_and_name_the_snapshot() -> None:
    p = plan(PLAN_TEXT.replace('id = "department"', 'id = "../Dept 2/x"', 1))
    snap = pure_snapshot(pure_review(p, stage="../Dept 2/x"), p=p, snapshot_id=12)
    assert file_stem(snap) == f"gate-review-0012-Dept-2-x-2026-06-01-to-2026-06-30-{snap.content_sha256[:8]}"


def test_a_stored_snapshot_renders_to_the_same_files(tmp_path: Path) -> None:
    p = plan()
    with db.connect(demo_database(tmp_path)) as con:
        snap = record_review(con, p, evaluate(con, p, "pilot", month_window("2026-02")),
                             Decision(outcome="continue", decided_by="Chair", rationale="Not yet."))
        again = get(con, snap.id)
    written = write_all(snap, tmp_path / "out")
    assert {k: v.read_bytes() for k, v in written.items()} == render_all(again)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        f"{file_stem(snap)}.{ext}" for ext in ("csv", "html", "json"))
