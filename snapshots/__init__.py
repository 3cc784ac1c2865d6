"""Gate-review snapshots (DESIGN.md §5): judgement -> record.

    snap = build.record_review(con, plan, evaluation, Decision(...))   # check, freeze, append
    store.get(con, 3), store.entries(con)                              # read back, checked
    exports.write_all(snap, folder)                                    # HTML report, JSON, criteria CSV
    verify.verify(raw, name)                                           # has a JSON file been altered?
    compare.compare(a, b)                                              # what changed between two reviews

record.py holds the record, its canonical JSON and hash; store.py is append-only.
"""
