"""Signed and chained snapshots: each record signed with the installation's Ed25519 key (outside the database,
owner-only), the chain head kept beside it; every attack on a record, a file or the chain is refused."""

from __future__ import annotations

import base64
import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from snapshot_fixture import pure_snapshot
from test_snapshot_store import _tamper, add

from core.errors import InputError
from loaders import store as db
from snapshots import signing
from snapshots.exports import to_json
from snapshots.record import Decision, canonical_json, content_sha256
from snapshots.store import entries, get, head_problem
from snapshots.verify import load_verified, verify


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    with db.connect(tmp_path / "rollgate.duckdb") as connection:
        yield connection


def test_the_key_lives_beside_the_database_owner_only_and_signs_every_record(con: duckdb.DuckDBPyConnection,
                                                                           tmp_path: Path) -> None:
    first = add(con)
    folder = tmp_path / "keys"
    assert signing.key_folder(con) == folder
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(folder / "signing-key.pem").st_mode) == 0o600
    assert first.signature is not None and first.signature.algorithm == "ed25519"
    assert first.signature.fingerprint == signing.installation_fingerprint(folder)
    assert signing.check(first.signature, first.content_sha256) is None
    assert signing.read_head(folder) == (1, first.content_sha256)
    second = add(con)
    assert signing.read_head(folder) == (2, second.content_sha256)
    assert [e.intact for e in entries(con)] == [True, True] and head_problem(con) is None


def test_a_file_edited_and_rehashed_fails_verify(con: duckdb.DuckDBPyConnection) -> None:
    data = json.loads(to_json(add(con)))
    data["decision"]["decided_by"] = "Forger"
    data["content_sha256"] = content_sha256(data)
    checked = verify(canonical_json(data), "review.json")
    assert (checked.intact, checked.trusted) == (False, False)
    assert checked.message.splitlines()[0] == "review.json: ALTERED — its signature does not match its content."
    with pytest.raises(InputError, match="ALTERED"):
        load_verified(canonical_json(data), "review.json")


def test_a_damaged_signature_or_a_swapped_key_fails_verify(con: duckdb.DuckDBPyConnection) -> None:
    data = json.loads(to_json(add(con)))
    value = bytearray(base64.b64decode(data["signature"]["value"]))
    value[0] ^= 1
    damaged = {**data, "signature": {**data["signature"], "value": base64.b64encode(bytes(value)).decode()}}
    assert verify(canonical_json(damaged), "r.json").message.startswith("r.json: ALTERED — its signature does not")
    other = signing.rotate(signing.key_folder(con))  # a key that did not sign it, named with its own fingerprint
    foreign = signing.sign(signing.key_folder(con), data["content_sha256"], first=False)
    swapped = {**data, "signature": {**data["signature"], "public_key": foreign.public_key}}
    assert "does not match its fingerprint" in verify(canonical_json(swapped), "r.json").message
    assert other != data["signature"]["fingerprint"]


def test_a_stripped_signature_is_not_trusted(con: duckdb.DuckDBPyConnection) -> None:
    data = json.loads(to_json(add(con)))
    del data["signature"]
    data["decision"]["decided_by"] = "Forger"
    data["content_sha256"] = content_sha256(data)
    checked = verify(canonical_json(data), "r.json")
    assert (checked.intact, checked.trusted, checked.signed_by) == (True, False, None)
    assert "NOT SIGNED" in checked.message
    with pytest.raises(InputError, match="NOT SIGNED"):
        load_verified(canonical_json(data), "r.json")  # what compare reads


def test_deleting_the_newest_record_is_seen_against_the_head(con: duckdb.DuckDBPyConnection) -> None:
    add(con), add(con), add(con)
    _tamper(con, "delete from gate_reviews where id = 3")
    assert head_problem(con) == ("the newest snapshot does not match the chain head kept outside the database "
                                 "(#3): a snapshot was deleted or forged, or the chain rewritten")
    assert [(e.id, e.intact) for e in entries(con)] == [(2, False), (1, True)]


def test_a_chain_rewritten_as_a_whole_is_seen_against_the_head(con: duckdb.DuckDBPyConnection,
                                                              tmp_path: Path) -> None:
    add(con), add(con)
    # a forger with the database only: every record rebuilt, consistent links, signed with a key of their own
    forger = tmp_path / "forger-keys"
    _tamper(con, "delete from gate_reviews")
    previous = None
    for i in (1, 2):
        snap = pure_snapshot(snapshot_id=i, previous=previous, decision=Decision(outcome="proceed", decided_by="Forger",
                                                                                 rationale="Rewritten."))
        snap = snap.model_copy(update={"signature": signing.sign(forger, snap.content_sha256, first=True)})
        _tamper(con, "insert into gate_reviews select ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?", [
            snap.id, snap.created_at.replace("T", " ").rstrip("Z"), snap.stage.id, snap.window.from_, snap.window.to,
            snap.recommendation.outcome, snap.decision.outcome, snap.decision.decided_by, snap.supersedes,
            snap.plan.sha256, snap.content_sha256, canonical_json(snap.as_data()).decode()])
        previous = snap.content_sha256
    assert get(con, 1).id == 1  # each record checks on its own, and the links hold...
    assert head_problem(con) is not None  # ...but the head outside the database names the original #2
    assert not entries(con)[0].intact


def test_a_missing_key_records_nothing(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    add(con)
    (tmp_path / "keys" / "signing-key.pem").unlink()
    with pytest.raises(InputError, match=r"The signing key .*signing-key.pem is missing, so nothing can be recorded"):
        add(con)
    assert [e.id for e in entries(con)] == [1]
    (tmp_path / "keys" / "signing-key.pem").write_text("not a key")
    with pytest.raises(InputError, match="cannot be read"):
        add(con)
    assert [e.id for e in entries(con)] == [1]


def test_after_a_rotation_new_records_use_the_new_key_and_old_ones_still_verify(con: duckdb.DuckDBPyConnection,
                                                                               tmp_path: Path) -> None:
    old = add(con)
    new_key = signing.rotate(tmp_path / "keys")
    new = add(con)
    assert old.signature is not None and new.signature is not None
    assert (old.signature.fingerprint, new.signature.fingerprint) != (new_key, new_key)
    assert new.signature.fingerprint == new_key
    assert verify(to_json(get(con, 1)), "old.json").trusted and verify(to_json(new), "new.json").trusted
    assert all(e.intact for e in entries(con))

