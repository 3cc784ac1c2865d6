"""Signed and chained snapshots (DESIGN.md §5): an Ed25519 signature over each record's content_sha256, made with
the installation's signing key, and the chain's head kept beside the key, outside the database.

The key folder is `keys/` beside the database file (or $ROLLGATE_KEYS): the private key `signing-key.pem`
(owner-only permissions, made on first use when no snapshot exists yet) and `chain-head.json` (the newest
snapshot's id and content_sha256, written after each one is stored). A record carries the public key and its
fingerprint, so `verify FILE` needs nothing else; the head lets the store see a deleted or forged newest
record, or a chain rewritten as a whole, which links between records alone cannot. Everything is done with
the `cryptography` library; nothing is hand-rolled.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import stat
import tempfile
from pathlib import Path

import duckdb
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import BaseModel, ConfigDict

from core.errors import InputError

KEY_FILE = "signing-key.pem"
HEAD_FILE = "chain-head.json"
ALGORITHM = "ed25519"


class SignatureRecord(BaseModel):
    """A record's signature: who signed (the public key and its fingerprint) and the signature of its
    content_sha256 (the 64 hex digits, as ASCII)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    algorithm: str
    public_key: str   # base64 of the 32 raw bytes
    fingerprint: str  # sha256 of the raw public key, hex, in groups of four: how people compare keys
    value: str        # base64 of the 64-byte signature


def fingerprint(raw: bytes) -> str:
    digest = hashlib.sha256(raw).hexdigest()[:32]
    return " ".join(digest[i:i + 4] for i in range(0, len(digest), 4))


def key_folder(con: duckdb.DuckDBPyConnection) -> Path:
    """Where the key and chain head of the database behind `con` live: $ROLLGATE_KEYS, else `keys/` beside it."""
    if explicit := os.environ.get("ROLLGATE_KEYS"):
        return Path(explicit)
    row = con.execute("select path from duckdb_databases() where database_name = current_database()").fetchone()
    if row is None or not row[0]:
        raise InputError("This database is not a file, so there is no place to keep a signing key beside it; set "
                         "ROLLGATE_KEYS to a folder for the key.")
    return Path(row[0]).resolve().parent / "keys"


def _private(folder: Path, create: bool) -> Ed25519PrivateKey:
    path = folder / KEY_FILE
    if not path.exists():
        if not create:
            raise InputError(f"The signing key {path} is missing, so nothing can be recorded: snapshots are already "
                             "signed with it. Restore the key folder from its backup, or start a new key with "
                             "`rollgate keys rotate` (records made before keep verifying with the key they name).")
        return _new_key(folder)
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError) as e:
        raise InputError(f"The signing key {path} cannot be read ({e}); nothing was recorded. Restore it from the "
                         "backup of the key folder.") from e
    if not isinstance(key, Ed25519PrivateKey):
        raise InputError(f"{path} is not an Ed25519 signing key; nothing was recorded.")
    return key


def _new_key(folder: Path) -> Ed25519PrivateKey:
    """A new key, written owner-only into `folder` (made owner-only too)."""
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, stat.S_IRWXU)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    path = folder / KEY_FILE
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    return key


def _raw(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def sign(folder: Path, content_sha256: str, first: bool) -> SignatureRecord:
    """The signature of a record with `content_sha256` by the installation's key (made now when `first`: no
    snapshot exists yet). InputError when the key is missing or unreadable."""
    key = _private(folder, create=first)
    raw = _raw(key.public_key())
    return SignatureRecord(algorithm=ALGORITHM, public_key=base64.b64encode(raw).decode("ascii"),
                           fingerprint=fingerprint(raw),
                           value=base64.b64encode(key.sign(content_sha256.encode("ascii"))).decode("ascii"))


def check(signature: SignatureRecord, content_sha256: str) -> str | None:
    """Why `signature` does not sign `content_sha256` with the key it names, or None when it does."""
    try:
        raw = base64.b64decode(signature.public_key, validate=True)
        public = Ed25519PublicKey.from_public_bytes(raw)
        value = base64.b64decode(signature.value, validate=True)
    except ValueError:
        return "its signature is not readable"
    if signature.algorithm != ALGORITHM or fingerprint(raw) != signature.fingerprint:
        return "its signature names a key that does not match its fingerprint"
    try:
        public.verify(value, content_sha256.encode("ascii"))
    except InvalidSignature:
        return "its signature does not match its content"
    return None


def installation_fingerprint(folder: Path) -> str | None:
    """The fingerprint of this installation's key, or None when it has none yet."""
    path = folder / KEY_FILE
    if not path.exists():
        return None
    return fingerprint(_raw(_private(folder, create=False).public_key()))


def rotate(folder: Path) -> str:
    """Start a new signing key (the old one is kept beside it, renamed): its fingerprint."""
    path = folder / KEY_FILE
    if path.exists():
        old = installation_fingerprint(folder) or "old"
        path.rename(folder / f"signing-key-{old.replace(' ', '')[:16]}.pem.retired")
    return fingerprint(_raw(_new_key(folder).public_key()))


def write_head(folder: Path, snapshot_id: int, content_sha256: str) -> None:
    """Keep the newest snapshot's id and hash outside the database (atomically)."""
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".chain-head.", dir=folder)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump({"id": snapshot_id, "content_sha256": content_sha256}, f)
    os.chmod(tmp, 0o600)
    os.replace(tmp, folder / HEAD_FILE)


def read_head(folder: Path) -> tuple[int, str] | None:
    """The chain head kept outside the database, or None when there is none."""
    try:
        data = json.loads((folder / HEAD_FILE).read_text(encoding="utf-8"))
        return int(data["id"]), str(data["content_sha256"])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        return (-1, "unreadable")
