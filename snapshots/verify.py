"""Checking a snapshot's JSON file: does it still hold the record that was hashed?

`verify` recomputes content_sha256 from the file's content (record.content_sha256: canonical JSON
without that key) and compares it with the one the file states. Any change of a value, a key, a
decision, a plan line or a provenance entry changes the hash; reformatting the file (indentation,
key order, 3 written as 3.0) does not, since the data is the same. A key written twice is refused
outright: a reader and the hash could each take a different one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from core.errors import InputError
from snapshots import signing
from snapshots.record import FORMAT, HASH_FIELD, SIGNATURE_FIELD, Snapshot, content_sha256, parse_json
from snapshots.signing import SignatureRecord


@dataclass(frozen=True)
class Verification:
    """The outcome of checking one file."""

    name: str
    intact: bool
    stated: str | None    # the content_sha256 the file states
    computed: str         # the sha256 of its content
    snapshot_id: object
    message: str
    signed_by: str | None = None  # the fingerprint of the key whose signature checks; None when unsigned

    @property
    def trusted(self) -> bool:
        """Intact and signed: the content is what was recorded, by the key named."""
        return self.intact and self.signed_by is not None

    def as_json(self) -> dict[str, Any]:
        return {"file": self.name, "intact": self.intact, "signed_by": self.signed_by, "stated_sha256": self.stated,
                "computed_sha256": self.computed, "snapshot_id": self.snapshot_id, "message": self.message}


def verify(raw: bytes, name: str) -> Verification:
    """Check the snapshot file `name` whose bytes are `raw`. InputError when the file is not a
    Rollgate snapshot at all (not JSON, or no snapshot format marker)."""
    try:
        data = parse_json(raw)
    except ValueError as e:
        raise InputError(f"{name}: not a snapshot file: {e}.") from e
    if data.get("format") != FORMAT:
        raise InputError(f"{name}: not a Rollgate snapshot (its \"format\" is not {FORMAT!r}); give the .json file "
                         "written with the report.")
    try:
        computed = content_sha256(data)
    except (TypeError, ValueError) as e:
        raise InputError(f"{name}: not a snapshot file: {e}.") from e
    stated = data.get(HASH_FIELD)
    sid = data.get("id")
    if not isinstance(stated, str):
        return Verification(name, False, None, computed, sid,
                            f"{name}: ALTERED — the file has no content_sha256, so it cannot be trusted.")
    if stated != computed:
        return Verification(name, False, stated, computed, sid,
                            f"{name}: ALTERED — its content no longer matches its content_sha256.\n"
                            f"  stated:   {stated}\n  computed: {computed}\n"
                            "Do not rely on this file; export the snapshot again from Rollgate.")
    signature = data.get(SIGNATURE_FIELD)
    if signature is None:
        return Verification(name, True, stated, computed, sid,
                            f"{name}: intact but NOT SIGNED — snapshot #{sid}'s content matches its content_sha256, "
                            "but nothing shows who recorded it: it was made before Rollgate signed its records, or "
                            "its signature was removed. Rely on it only as far as you trust where it came from.")
    try:
        found = SignatureRecord.model_validate(signature)
    except ValidationError:
        problem: str | None = "its signature is not readable"
    else:
        problem = signing.check(found, computed)
    if problem is not None:
        return Verification(name, False, stated, computed, sid,
                            f"{name}: ALTERED — {problem}.\n"
                            "Do not rely on this file; export the snapshot again from Rollgate.")
    return Verification(name, True, stated, computed, sid,
                        f"{name}: intact and signed — snapshot #{sid}, content_sha256 {computed} matches its content, "
                        f"signed by the key with fingerprint {found.fingerprint}.", found.fingerprint)


def load_verified(raw: bytes, name: str, allow_unsigned: bool = False) -> Snapshot:
    """The snapshot in a JSON file, after verify: InputError when it is altered or not a snapshot, or not signed
    (a record edited, re-hashed and stripped of its signature would otherwise pass) unless `allow_unsigned`
    (a record made before signing, read knowingly)."""
    checked = verify(raw, name)
    if not checked.intact or not (checked.trusted or allow_unsigned):
        raise InputError(checked.message)
    try:
        return Snapshot.model_validate(parse_json(raw))
    except ValidationError as e:
        raise InputError(f"{name}: intact, but written by an incompatible Rollgate version ({e.error_count()} "
                         "fields differ).") from e
