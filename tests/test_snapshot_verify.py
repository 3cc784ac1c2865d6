"""Verifying a snapshot file: any change of its content is caught; reformatting is not a change."""

from __future__ import annotations

import json
import random

import pytest
from snapshot_fixture import incident, pure_review, pure_snapshot, signed

from core.errors import InputError
from snapshots.exports import to_json
from snapshots.record import Decision, IncidentList, parse_json
from snapshots.verify import load_verified, verify


def _snapshot_file() -> bytes:
    ev = pure_review(values={"quality.error_rate": 0.1968503937, "adoption.active_users": 55.0,
                             "cost.cash_cost": 2684.22, "support.satisfaction": 3.125})
    snap = pure_snapshot(ev, decision=Decision(outcome="pause", decided_by="Head of Legal Operations",
                                               rationale="Data exposure in June; pause until the review.",
                                               conditions="Second reviewer on every output"),
                         incidents=IncidentList(total=1, listed=(incident("Client name pasted in a prompt"),)))
    return to_json(signed(snap))


RAW = _snapshot_file()


def test_an_untouched_file_is_intact() -> None:
    checked = verify(RAW, "review.json")
    assert checked.intact
    assert checked.stated == checked.computed == json.loads(RAW)["content_sha256"]
    assert checked.signed_by is not None and checked.trusted
    assert checked.message == (f"review.json: intact and signed — snapshot #1, content_sha256 {checked.computed} "
                               f"matches its content, signed by the key with fingerprint {checked.signed_by}.")


@pytest.mark.parametrize(("old", "new"), [
    ('"decided_by": "Head of Legal Operations"', '"decided_by": "Head of Legal Operationz"'),
    ('"outcome": "pause"', '"outcome": "pausf"'),
    ('"value": 0.1968503937', '"value": 0.1968503938'),
    ('"value": 0.1968503937', '"value": 0.19685039371'),
    ('"value": 55', '"value": 56'),
    ("No client-identifying data", "No client-identifying dat4"),
    ('"total": 1', '"totaq": 1'),
    ('"fired": false', '"fired": true '),
])
def test_changing_one_character_fails_verify(old: str, new: str) -> None:
    text = RAW.decode("utf-8")
    assert text.count(old) >= 1, old
    checked = verify(text.replace(old, new, 1).encode("utf-8"), "review.json")
    assert not checked.intact
    assert checked.message.splitlines()[0] == "review.json: ALTERED — its content no longer matches its content_sha256."
    assert checked.message.splitlines()[-1] == "Do not rely on this file; export the snapshot again from Rollgate."


def test_every_sampled_one_character_change_of_content_fails_verify() -> None:
    """Replace one character at 400 sampled positions: each change either leaves the data the same
    (whitespace), or makes the file unreadable, or is reported ALTERED — never intact with other data."""
    text = RAW.decode("utf-8")
    original = parse_json(RAW)
    rng = random.Random(20260702)
    outcomes = {"same data": 0, "unreadable": 0, "altered": 0}
    for i in rng.sample(range(len(text)), 400):
        c = text[i]
        swap = "7" if c.isdigit() and c != "7" else "8" if c.isdigit() else "q" if c != "q" else "r"
        raw = (text[:i] + swap + text[i + 1:]).encode("utf-8")
        try:
            changed = parse_json(raw)
        except ValueError:
            with pytest.raises(InputError):
                verify(raw, "x.json")
            outcomes["unreadable"] += 1
            continue
        checked = verify(raw, "x.json") if changed.get("format") == "rollgate.gate-review/1" else None
        if changed == original:
            outcomes["same data"] += 1
            assert checked is not None and checked.intact
        else:
            outcomes["altered"] += 1
            assert checked is None or not checked.intact, (i, c, swap)
    assert outcomes["altered"] > 240  # most positions hold data (the rest: quotes, brackets, layout)


def test_reformatting_the_file_is_not_a_change() -> None:
    data = json.loads(RAW)
    for raw in (json.dumps(data).encode(), json.dumps(data, indent=1, sort_keys=True).encode(),
                json.dumps(data, ensure_ascii=True).encode(), b"\xef\xbb\xbf" + RAW):
        assert verify(raw, "x.json").intact
    data["metrics"]["adoption.active_users"]["value"] = 55  # 55.0 written as 55
    assert verify(json.dumps(data).encode(), "x.json").intact


def test_a_file_without_its_hash_is_altered() -> None:
    data = json.loads(RAW)
    del data["content_sha256"]
    checked = verify(json.dumps(data).encode(), "x.json")
    assert not checked.intact
    assert checked.message == "x.json: ALTERED — the file has no content_sha256, so it cannot be trusted."


def test_an_added_key_is_a_change() -> None:
    data = json.loads(RAW)
    data["decision"]["approved"] = True
    assert not verify(json.dumps(data).encode(), "x.json").intact


def test_a_duplicated_key_is_refused() -> None:
    tampered = RAW.replace(b'"decided_by": "Head of Legal Operations",',
                           b'"decided_by": "Head of Legal Operations", "decided_by": "Someone else",', 1)
    with pytest.raises(InputError) as refused:
        verify(tampered, "x.json")
    assert str(refused.value) == "x.json: not a snapshot file: the key 'decided_by' appears twice in one object."


@pytest.mark.parametrize(("raw", "message"), [
    (b'{"a": 1}', "x.json: not a Rollgate snapshot (its \"format\" is not 'rollgate.gate-review/1'); give the "
                  ".json file written with the report."),
    (b"<html></html>", "x.json: not a snapshot file: not valid JSON (Expecting value at line 1, column 1)."),
])
def test_a_file_that_is_not_a_snapshot_is_refused(raw: bytes, message: str) -> None:
    with pytest.raises(InputError) as refused:
        verify(raw, "x.json")
    assert str(refused.value) == message


def test_load_verified_refuses_an_altered_file_and_loads_an_intact_one() -> None:
    assert load_verified(RAW, "x.json").decision.decided_by == "Head of Legal Operations"
    with pytest.raises(InputError, match="ALTERED"):
        load_verified(RAW.replace(b"Head of Legal", b"Head of Legak", 1), "x.json")
