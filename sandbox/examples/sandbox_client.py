#!/usr/bin/env python3
"""Example regulator client for the RegVault regulator sandbox.

It walks every route under /sandbox/regulator/ and checks everything the vault serves with code in
this file, written from the public specifications, never trusting the server's own verdicts:

* C2SP signed-note (https://c2sp.org/signed-note): verifier keys, Ed25519 note signatures;
* C2SP tlog-checkpoint (https://c2sp.org/tlog-checkpoint): the signed checkpoint body;
* C2SP tlog-proof (https://c2sp.org/tlog-proof): the self-contained inclusion proof text;
* RFC 9162 §2.1: Merkle leaf/node hashes, inclusion proofs (§2.1.3.2), consistency proofs (§2.1.4.2);
* RegVault's entry layout v1 and the record commitment SHA-256(salt || record bytes);
* RegVault's export archive format v1 (docs/ARCHIVE.md), for a partial export: a safe in-memory tar
  read, the member set and order, the signed manifest and every member's SHA-256, the checkpoint,
  each entry's inclusion proof and each record's commitment. `regvault-verify ARCHIVE --key KEY` is
  the complete offline verifier (it also accounts for erased records and checks a trusted checkpoint).

It then runs the sandbox's test vectors and checks that this verifier reaches exactly the stated
verdict and reason for each of them.

Usage:
    python3 sandbox_client.py --url https://HOST:PORT --cert sandbox.pem --key sandbox.key \\
        --cacert ca.pem [--verifier-key KEYTEXT_OR_FILE] [--growth-timeout SECONDS] [--export-timeout SECONDS]

One line per check ("ok   ..." or "FAIL ..."), then a summary. Exit status 0 only if every check passed.

Self-contained: Python 3 standard library plus `cryptography` and `requests`. Copy it freely.
A sandbox signature proves that your checking code works, never that anything is authentic: the
sandbox key is derived from public data (the origin and the scenario). Production logs have their own
secret key and origin.
"""

import argparse
import base64
import csv
import datetime
import hashlib
import io
import json
import os
import re
import struct
import sys
import tarfile
import time
from dataclasses import dataclass

import requests
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

SANDBOX = "/sandbox/regulator"
EM_DASH = "\u2014"  # signed-note signature lines start with U+2014 and a space
TLOG_PROOF_HEADER = "c2sp.org/tlog-proof@v1"

# The streams a RegVault log may hold: the operator's, then the vault's own.
STREAMS = ["audit.change", "kyc", "aml", "payment", "responsible_gambling", "rng", "incident", "report",
           "vault.access", "vault.hold", "vault.retention", "vault.erasure", "vault.policy", "vault.object",
           "vault.keys"]


# ==================================================================================================
# Part 1: the verifier. Pure functions, no network. Every refusal names one of the vectors' reasons.
# ==================================================================================================

class Rejected(Exception):
    """Verification refused the input; `reason` is one of the sandbox vectors' reason codes."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def b64decode_strict(text: str) -> bytes:
    """Standard padded base64 (RFC 4648 §4), canonical only; raises ValueError otherwise."""
    if not isinstance(text, str):
        raise ValueError(f"expected a base64 string, got {text!r}")
    raw = base64.b64decode(text, validate=True)
    if base64.b64encode(raw).decode("ascii") != text:
        raise ValueError(f"non-canonical base64: {text!r}")
    return raw


# -- C2SP signed-note verifier keys -----------------------------------------------------------------

@dataclass
class VerifierKey:
    name: str
    key_id: bytes      # 4 bytes
    public_key: bytes  # 32-byte Ed25519 public key
    text: str


def note_key_id(name: str, key_type_and_key: bytes) -> bytes:
    """signed-note key id: the first 4 bytes of SHA-256(name || "\\n" || type byte || public key)."""
    return sha256(name.encode("utf-8") + b"\n" + key_type_and_key)[:4]


def parse_verifier_key(text: str) -> VerifierKey:
    """Parses `name+hexkeyid+base64(0x01 || 32-byte Ed25519 key)`; raises ValueError when malformed."""
    text = text.strip()
    parts = text.split("+", 2)  # the name contains no "+"; the base64 key may
    if len(parts) != 3:
        raise ValueError(f"a verifier key is name+keyid+key, got {text!r}")
    name, hex_id, b64_key = parts
    if not name or re.search(r"\s", name):
        raise ValueError(f"bad key name {name!r}")
    if not re.fullmatch(r"[0-9a-f]{8}", hex_id):
        raise ValueError(f"the key id must be 8 lower-case hex digits, got {hex_id!r}")
    raw = b64decode_strict(b64_key)
    if len(raw) != 33 or raw[0] != 0x01:
        raise ValueError("the key must be 0x01 (Ed25519) followed by 32 bytes")
    if note_key_id(name, raw) != bytes.fromhex(hex_id):
        raise ValueError("the key id does not match SHA-256(name || \\n || key)")
    return VerifierKey(name=name, key_id=bytes.fromhex(hex_id), public_key=raw[1:], text=text)


# -- C2SP signed notes and tlog-checkpoints ---------------------------------------------------------

@dataclass
class Checkpoint:
    origin: str
    size: int
    root: bytes
    text: str  # the note exactly as received


def verify_note(note: str, key: VerifierKey, malformed: str = "malformed_checkpoint") -> str:
    """Steps 1 to 3 of `verify_checkpoint` for any signed note (`malformed` names syntax errors);
    returns the signed text."""
    # 1. Signed-note syntax.
    if not isinstance(note, str) or not note.endswith("\n"):
        raise Rejected(malformed, "a note must be text ending in a newline")
    split = note.find("\n\n")
    if split < 0:
        raise Rejected(malformed, "no blank line between the text and the signatures")
    text = note[: split + 1]
    signature_lines = note[split + 2:].split("\n")[:-1]  # the last element is "" after the final \n
    if not signature_lines:
        raise Rejected(malformed, "no signature lines")
    signatures = []  # (name, key id, signature bytes)
    for line in signature_lines:
        fields = line.split(" ")
        if len(fields) != 3 or fields[0] != EM_DASH or not fields[1]:
            raise Rejected(malformed, f"bad signature line {line!r}")
        try:
            blob = b64decode_strict(fields[2])
        except ValueError:
            raise Rejected(malformed, f"signature is not base64: {line!r}")
        if len(blob) < 5:
            raise Rejected(malformed, f"signature too short: {line!r}")
        signatures.append((fields[1], blob[:4], blob[4:]))

    # 2. A signature by the trusted key: same name and same key id.
    ours = [sig for name, key_id, sig in signatures if name == key.name and key_id == key.key_id]
    if not ours:
        raise Rejected("no_trusted_signature", f"no signature by {key.name}+{key.key_id.hex()}")

    # 3. The Ed25519 signature over the text.
    public_key = Ed25519PublicKey.from_public_bytes(key.public_key)
    for sig in ours:
        try:
            public_key.verify(sig, text.encode("utf-8"))
            return text
        except InvalidSignature:
            pass
    raise Rejected("bad_signature", "the trusted key's signature does not verify")


def verify_checkpoint(note: str, key: VerifierKey, origin: str) -> Checkpoint:
    """Verifies a checkpoint note; the checks run in this order and the first failure is the reason.

    1. note syntax (signed-note): text, a blank line, signature lines; every line ends in "\\n"
                                                                                → malformed_checkpoint
    2. some signature line has the trusted key's name AND 4-byte key id (others are ignored, as
       signed-note says: a note may carry signatures from keys we do not know) → no_trusted_signature
    3. that signature verifies: Ed25519 over the text (all bytes up to and including the text's
       final newline, i.e. without the blank line)                                  → bad_signature
    4. body syntax (tlog-checkpoint): origin line, size in canonical decimal, root = base64 of
       exactly 32 bytes; further lines are extensions and are allowed          → malformed_checkpoint
    5. the origin line equals the log's origin                                    → origin_mismatch
    """
    text = verify_note(note, key)  # steps 1 to 3

    # 4. tlog-checkpoint body: origin, size, root hash (then optional extension lines).
    lines = text.split("\n")[:-1]
    if len(lines) < 3 or not lines[0]:
        raise Rejected("malformed_checkpoint", "the body must be origin, size and root hash lines")
    origin_line, size_line, root_line = lines[:3]
    if not re.fullmatch(r"0|[1-9][0-9]*", size_line):
        raise Rejected("malformed_checkpoint", f"the size is not canonical decimal: {size_line!r}")
    try:
        root = b64decode_strict(root_line)
    except ValueError:
        raise Rejected("malformed_checkpoint", f"the root hash is not base64: {root_line!r}")
    if len(root) != 32:
        raise Rejected("malformed_checkpoint", f"the root hash is {len(root)} bytes, not 32")

    # 5. The log's origin.
    if origin_line != origin:
        raise Rejected("origin_mismatch", f"origin {origin_line!r}, expected {origin!r}")
    return Checkpoint(origin=origin_line, size=int(size_line), root=root, text=note)


# -- RFC 9162 Merkle trees --------------------------------------------------------------------------

def leaf_hash(entry: bytes) -> bytes:
    """RFC 9162 §2.1.1: the hash of a leaf is SHA-256(0x00 || leaf)."""
    return sha256(b"\x00" + entry)


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 9162 §2.1.1: an interior node is SHA-256(0x01 || left || right)."""
    return sha256(b"\x01" + left + right)


def inclusion_ok(index: int, size: int, leaf: bytes, proof: list, root: bytes) -> bool:
    """RFC 9162 §2.1.3.2: verifies that `leaf` is at `index` in the tree of `size` with `root`."""
    if not 0 <= index < size or any(len(p) != 32 for p in proof):
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def consistency_ok(first: int, second: int, first_root: bytes, second_root: bytes, proof: list) -> bool:
    """RFC 9162 §2.1.4.2: verifies that the tree (second, second_root) extends (first, first_root)."""
    if first < 1 or first > second or any(len(p) != 32 for p in proof):
        return False
    if first == second:
        return not proof and first_root == second_root
    if not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:  # first is an exact power of two: prepend first_root
        path = [first_root] + path
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == first_root and sr == second_root and sn == 0


def decode_hashes(values, reason: str) -> list:
    try:
        return [b64decode_strict(h) for h in values]
    except (ValueError, TypeError) as error:
        raise Rejected(reason, f"bad proof hash: {error}")


def verify_inclusion(checkpoint: Checkpoint, entry: bytes, index: int, tree_size: int, hashes: list):
    """A proof counts only for the tree the checkpoint signs: tree sizes must match first."""
    if tree_size != checkpoint.size:
        raise Rejected("tree_size_mismatch", f"proof for size {tree_size}, checkpoint size {checkpoint.size}")
    proof = decode_hashes(hashes, "inclusion_failed")
    if not inclusion_ok(index, tree_size, leaf_hash(entry), proof, checkpoint.root):
        raise Rejected("inclusion_failed", f"entry is not at index {index} of the signed tree")


def verify_consistency(old: Checkpoint, new: Checkpoint, hashes: list):
    proof = decode_hashes(hashes, "consistency_failed")
    if not consistency_ok(old.size, new.size, old.root, new.root, proof):
        raise Rejected("consistency_failed", f"tree {new.size} does not extend tree {old.size}")


# -- Entries and record commitments -----------------------------------------------------------------

@dataclass
class Entry:
    version: int
    kind: int
    seq: int
    recorded_at_ms: int
    retention_mode: int
    retain_until_ms: int
    retention_class: str
    commitment: bytes


ENTRY_HEAD = struct.Struct(">BBQqBqB")  # version, kind, seq, recordedAt ms, mode, retainUntil ms, L


def parse_entry(raw: bytes) -> Entry:
    """Entry v1: version(1) kind(1) seq(8) recordedAt(8) mode(1) retainUntil(8) L(1) class(L) commitment(32)."""
    if len(raw) < ENTRY_HEAD.size + 32:
        raise ValueError(f"entry too short: {len(raw)} bytes")
    version, kind, seq, recorded_at, mode, retain_until, class_len = ENTRY_HEAD.unpack_from(raw)
    if version != 1:
        raise ValueError(f"entry version {version}, expected 1")
    if len(raw) != ENTRY_HEAD.size + class_len + 32:
        raise ValueError(f"entry is {len(raw)} bytes, expected {ENTRY_HEAD.size + class_len + 32}")
    retention_class = raw[ENTRY_HEAD.size: ENTRY_HEAD.size + class_len].decode("ascii")
    return Entry(version, kind, seq, recorded_at, mode, retain_until, retention_class, raw[-32:])


def verify_commitment(record: bytes, salt: bytes, entry: bytes):
    """The entry's last 32 bytes commit to the record: SHA-256(salt || exact record bytes)."""
    if len(entry) < 32 or sha256(salt + record) != entry[-32:]:
        raise Rejected("commitment_mismatch", "SHA-256(salt || record) is not the entry's commitment")


def verify_version_object(obj: dict) -> Entry:
    """Checks one record as the listings serve it: entry layout, seq, leaf hash and commitment."""
    entry_bytes = b64decode_strict(obj["entry"])
    entry = parse_entry(entry_bytes)
    if entry.seq != obj["seq"]:
        raise Rejected("inclusion_failed", f"entry seq {entry.seq} != record seq {obj['seq']}")
    if b64decode_strict(obj["leafHash"]) != leaf_hash(entry_bytes):
        raise Rejected("inclusion_failed", f"leafHash of seq {obj['seq']} is not SHA-256(0x00 || entry)")
    verify_commitment(b64decode_strict(obj["record"]), b64decode_strict(obj["salt"]), entry_bytes)
    return entry


# -- C2SP tlog-proof --------------------------------------------------------------------------------

def parse_tlog_proof(text: str):
    """c2sp.org/tlog-proof@v1: header, optional "extra" line, "index N", proof hashes, blank line,
    then the checkpoint note. Returns (index, hashes as base64 strings, checkpoint note text)."""
    head, sep, note = text.partition("\n\n")
    if not sep:
        raise Rejected("malformed_checkpoint", "tlog-proof has no blank line before its checkpoint")
    lines = head.split("\n")
    if lines[0] != TLOG_PROOF_HEADER:
        raise ValueError(f"tlog-proof must start with {TLOG_PROOF_HEADER!r}, got {lines[0]!r}")
    rest = lines[1:]
    if rest and rest[0].startswith("extra "):
        rest = rest[1:]
    if not rest or not re.fullmatch(r"index (0|[1-9][0-9]*)", rest[0]):
        raise ValueError(f"tlog-proof needs an 'index N' line, got {rest[:1]!r}")
    return int(rest[0].split(" ")[1]), rest[1:], note


# -- Export archives (docs/ARCHIVE.md) --------------------------------------------------------------

ARCHIVE_DIR = "regvault-export/"
ARCHIVE_CHUNK = 65536
# This client's own limits on untrusted archives (it reads small partial exports into memory).
ARCHIVE_MAX_MEMBERS, ARCHIVE_MAX_MEMBER_BYTES, ARCHIVE_MAX_TOTAL_BYTES = 10_000, 64 << 20, 256 << 20


def read_archive(data: bytes) -> list:
    """Reads a tar (plain or gzip) in memory, never writing to disk; refuses links, directories and
    devices, names outside regvault-export/ or with ../empty segments, duplicates, modes other than
    0444, owners other than 0:0 or named, differing times, and too many or too large members.
    Returns [(name without the regvault-export/ prefix, bytes)] in archive order."""
    members, names, mtimes, total = [], set(), set(), 0
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as tar:
            for info in tar:
                name, parts = info.name, info.name.split("/")
                if not info.isreg():
                    raise Rejected("unsafe_archive", f"{name!r} is not a regular file")
                if not name.startswith(ARCHIVE_DIR) or {"", ".", ".."} & set(parts) or name in names:
                    raise Rejected("unsafe_archive", f"member name {name!r} is unsafe or repeated")
                if info.mode != 0o444 or info.uid or info.gid or info.uname or info.gname:
                    raise Rejected("unsafe_archive", f"{name}: mode {info.mode:o}, owner {info.uid}:{info.gid}")
                total += info.size
                if len(members) >= ARCHIVE_MAX_MEMBERS or info.size > ARCHIVE_MAX_MEMBER_BYTES \
                        or total > ARCHIVE_MAX_TOTAL_BYTES:
                    raise Rejected("unsafe_archive", f"{name}: beyond this client's limits")
                names.add(name)
                mtimes.add(info.mtime)
                members.append((name[len(ARCHIVE_DIR):], tar.extractfile(info).read()))
    except (tarfile.TarError, EOFError, OSError) as error:  # gzip errors are OSErrors
        raise Rejected("unsafe_archive", f"not a readable tar: {error}")
    if len(mtimes) > 1:
        raise Rejected("unsafe_archive", "members carry different modification times")
    return members


def archive_order(names: list, scope: str) -> list:
    """The member order ARCHIVE.md prescribes, for the names present."""
    def chunks(prefix):
        return sorted(n for n in names if n.startswith(prefix))
    if scope == "partial":
        body = ["inclusion"] + chunks("records/")
    else:
        body = [m for e in chunks("entries/") for m in (e, "records/" + e[8:]) if m in names]
    return (["README.txt", "checkpoint", "keys"] + chunks("retention/") + body
            + [n for n in ("consistency",) if n in names] + ["manifest"])


def parse_manifest(text: str) -> dict:
    lines = text.split("\n")[:-1]
    heads = ["regvault-export/v1", "origin ", "checkpoint ", "scope ", "filter "]
    if len(lines) < 5 or lines[0] != heads[0] or not all(l.startswith(h) for l, h in zip(lines[1:5], heads[1:])):
        raise Rejected("malformed_manifest", "the manifest starts regvault-export/v1, origin, checkpoint, scope "
                                             "and filter lines")
    checkpoint = re.fullmatch(r"checkpoint (0|[1-9][0-9]*) (\S+)", lines[2])
    members = [re.fullmatch(r"member ([0-9a-f]{64}) (0|[1-9][0-9]*) (\S.*)", line) for line in lines[5:]]
    if not checkpoint or not all(members) or lines[3] not in ("scope full", "scope partial"):
        raise Rejected("malformed_manifest", "bad checkpoint, scope or member line")
    return {"origin": lines[1][7:], "size": int(checkpoint[1]), "root": b64decode_strict(checkpoint[2]),
            "scope": lines[3][6:], "filter": lines[4][7:],
            "members": [(m[3], int(m[2]), m[1]) for m in members]}


def verify_archive(data: bytes, key: VerifierKey, origin: str, trusted: "Checkpoint" = None) -> dict:
    """ARCHIVE.md's checks 1 to 4 for a partial export; check 5 (erasures) only when nothing is
    missing, check 6 (trusted checkpoint) not at all: both are listed in `skipped`."""
    members = read_archive(data)
    names, content = [n for n, _ in members], dict(members)
    if not names or names[-1] != "manifest":
        raise Rejected("member_set", "the manifest is not the last member")
    # 1. The manifest: signed by the log's key, listing exactly the other members, sizes and SHA-256.
    manifest = parse_manifest(verify_note(content["manifest"].decode("utf-8"), key, "malformed_manifest"))
    if manifest["origin"] != origin or key.name != origin:
        raise Rejected("origin_mismatch", f"manifest origin {manifest['origin']!r}, key {key.name!r}")
    listed = [path[len(ARCHIVE_DIR):] if path.startswith(ARCHIVE_DIR) else path
              for path, _, _ in manifest["members"]]
    if listed != names[:-1]:
        raise Rejected("member_set", f"archive {names[:-1]}, manifest {listed}")
    if names != archive_order(names, manifest["scope"]):
        raise Rejected("member_order", f"{names} is not in the order of ARCHIVE.md")
    for (name, body), (_, size, digest) in zip(members, manifest["members"]):
        if len(body) != size or hashlib.sha256(body).hexdigest() != digest:
            raise Rejected("member_digest", f"{name}: size or SHA-256 differs from the manifest's")
    # 2. The checkpoint: signed, the manifest's tree, and `keys` lists the key for its size.
    checkpoint = verify_checkpoint(content["checkpoint"].decode("utf-8"), key, origin)
    if (checkpoint.size, checkpoint.root) != (manifest["size"], manifest["root"]):
        raise Rejected("checkpoint_mismatch", "the checkpoint is not the tree head the manifest names")
    keys = [line.split(" ") for line in content["keys"].decode("utf-8").splitlines()]
    if not any(len(k) == 3 and k[0] == key.text and int(k[1]) <= checkpoint.size and (k[2] == "-" or
               checkpoint.size <= int(k[2])) for k in keys):
        raise Rejected("checkpoint_mismatch", f"keys does not list {key.name} for size {checkpoint.size}")
    if manifest["scope"] != "partial":
        raise Rejected("unsupported", "this client checks partial exports; use regvault-verify for full ones")
    # 3. Entries: each carries its seq and its inclusion proof leads to the checkpoint's root.
    entries = {}
    for line in content["inclusion"].decode("ascii").splitlines():
        seq_text, entry_text, *hashes = line.split(" ")
        seq, entry = int(seq_text), b64decode_strict(entry_text)
        if str(seq) != seq_text or entries and seq <= max(entries) or parse_entry(entry).seq != seq:
            raise Rejected("inclusion_failed", f"inclusion line for seq {seq_text}: out of order or wrong seq")
        verify_inclusion(checkpoint, entry, seq, checkpoint.size, hashes)
        entries[seq] = entry
    # 4. Records: in their chunk, in seq order, each with an entry whose commitment it matches.
    records = {}
    for name in (n for n in names if n.startswith("records/")):
        first = int(name[8:]) if re.fullmatch(r"records/[0-9]{16}", name) else -1
        for line in content[name].decode("ascii").splitlines():
            seq_text, salt, record = line.split(" ")
            seq = int(seq_text)
            if seq not in entries or not first <= seq < first + ARCHIVE_CHUNK or records and seq <= max(records):
                raise Rejected("commitment_mismatch", f"{name}: record {seq} has no entry, or is out of place")
            verify_commitment(b64decode_strict(record), b64decode_strict(salt), entries[seq])
            records[seq] = (b64decode_strict(salt), b64decode_strict(record))
    missing = sorted(set(entries) - set(records))
    skipped = []
    # 6. The archive's tree extends a checkpoint the client trusts: the `consistency` member, present
    # when the export was asked with proveFrom, proves it offline.
    if "consistency" in content and trusted is not None:
        lines = content["consistency"].decode("ascii").splitlines()
        sizes = lines[0].split(" ") if lines else []
        if sizes != [str(trusted.size), str(checkpoint.size)]:
            raise Rejected("consistency_failed", f"the consistency member proves {sizes}, not {trusted.size} to {checkpoint.size}")
        verify_consistency(trusted, checkpoint, lines[1:])
    else:
        skipped.append("6 (a trusted checkpoint: export with proveFrom set to its size, as this client does)")
    if missing:
        skipped.insert(0, f"5 (erasures, holds and retention for the {len(missing)} entries without a record)")
    return {"manifest": manifest, "checkpoint": checkpoint, "entries": entries, "records": records,
            "members": names, "skipped": skipped}


# -- Test vectors -----------------------------------------------------------------------------------

def run_vector(vector: dict, key: VerifierKey, origin: str):
    """Runs one sandbox vector through this verifier; returns ("accept", None) or ("reject", reason)."""
    data = vector["input"]
    kind = vector["kind"]
    try:
        if kind == "checkpoint":
            verify_checkpoint(data["checkpoint"], key, origin)
        elif kind == "inclusion":
            checkpoint = verify_checkpoint(data["checkpoint"], key, origin)
            verify_inclusion(checkpoint, b64decode_strict(data["entry"]), data["index"], data["treeSize"],
                             data["hashes"])
        elif kind == "consistency":
            old = verify_checkpoint(data["oldCheckpoint"], key, origin)
            new = verify_checkpoint(data["newCheckpoint"], key, origin)
            verify_consistency(old, new, data["hashes"])
        elif kind == "record":
            verify_commitment(b64decode_strict(data["record"]), b64decode_strict(data["salt"]),
                              b64decode_strict(data["entry"]))
        else:
            raise ValueError(f"unknown vector kind {kind!r}")
    except Rejected as rejected:
        return "reject", rejected.reason
    return "accept", None


# ==================================================================================================
# Part 2: the walk over the sandbox API.
# ==================================================================================================

class Report:
    """Prints one line per check and counts the outcome."""

    def __init__(self):
        self.passed = 0
        self.failed = 0

    def ok(self, message: str):
        self.passed += 1
        print(f"ok   {message}", flush=True)

    def fail(self, message: str):
        self.failed += 1
        print(f"FAIL {message}", flush=True)

    def check(self, condition: bool, message: str, detail: str = ""):
        if condition:
            self.ok(message)
        else:
            self.fail(f"{message}{': ' + detail if detail else ''}")
        return condition


class Sandbox:
    """HTTPS with the sandbox client certificate, verified against the server's CA."""

    def __init__(self, url: str, cert: str, key: str, cacert: str):
        self.url = url.rstrip("/")
        self.session = requests.Session()
        self.session.cert = (cert, key)
        # Passed on every request: a Session's own `verify` would lose to $REQUESTS_CA_BUNDLE.
        self.cacert = cacert

    def get(self, path: str, params=None, accept: str = "application/json") -> requests.Response:
        return self.session.get(self.url + path, params=params, headers={"Accept": accept},
                                verify=self.cacert, timeout=60)

    def post(self, path: str, body: dict) -> requests.Response:
        return self.session.post(self.url + path, json=body, verify=self.cacert, timeout=60)

    def json(self, path: str, params=None) -> dict:
        response = self.get(path, params)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path} -> {response.status_code} {response.text[:300]}")
        return response.json()

    def text(self, path: str, params=None) -> str:
        response = self.get(path, params, accept="text/plain")
        if response.status_code != 200:
            raise RuntimeError(f"GET {path} -> {response.status_code} {response.text[:300]}")
        return response.content.decode("utf-8")


class Client:
    def __init__(self, sandbox: Sandbox, key: VerifierKey, report: Report, growth_timeout: float,
                 export_timeout: float = 60.0):
        self.api = sandbox
        self.export_timeout = export_timeout
        self.key = key
        self.origin = key.name  # C2SP convention, and RegVault's: the key name is the log's origin
        self.report = report
        self.growth_timeout = growth_timeout
        self.seen = {}  # stream -> first page of records, reused by later checks

    def step(self, title: str, function, *args):
        """Runs one group of checks; an unexpected error fails the group instead of stopping the run."""
        try:
            return function(*args)
        except Rejected as rejected:
            self.report.fail(f"{title}: rejected, {rejected}")
        except Exception as error:  # network errors, missing fields, malformed data
            self.report.fail(f"{title}: {type(error).__name__}: {error}")
        return None

    def checkpoint(self, note: str, what: str) -> Checkpoint:
        checkpoint = verify_checkpoint(note, self.key, self.origin)
        self.report.ok(f"{what}: signature by {self.key.name}+{self.key.key_id.hex()} verifies, "
                       f"size {checkpoint.size}")
        return checkpoint

    # -- status, key, checkpoint --------------------------------------------------------------------
    def status(self) -> dict:
        status = self.api.json(f"{SANDBOX}/status")
        r = self.report
        r.check(status.get("verifierKey") == self.key.text, "status: verifierKey is the trusted key",
                f"served {status.get('verifierKey')!r}")
        r.check(status.get("origin") == self.origin, f"status: origin is {self.origin}", repr(status.get("origin")))
        r.check(status.get("treeSize", 0) >= status.get("initialTreeSize", 1) >= 1,
                f"status: scenario {status.get('scenario')!r}, tree size {status.get('treeSize')} "
                f">= initial size {status.get('initialTreeSize')}")
        replay = status.get("replay", {})
        r.check(isinstance(replay.get("recordsPerTick"), int) and isinstance(replay.get("tickMilliseconds"), int),
                f"status: replay grows {replay.get('recordsPerTick')} records every "
                f"{replay.get('tickMilliseconds')} ms")
        return status

    def latest_checkpoint(self, what: str) -> Checkpoint:
        return self.checkpoint(self.api.text(f"{SANDBOX}/checkpoint"), what)

    # -- entity audit trails ------------------------------------------------------------------------
    def audit(self, entity_type: str, entity_id: str):
        trail = self.api.json(f"{SANDBOX}/audit", {"entity": entity_type, "id": entity_id})
        title = f"audit {entity_type}/{entity_id}"
        checkpoint = self.checkpoint(trail["checkpoint"], f"{title}: checkpoint")
        changes = trail["changes"]
        self.report.check(bool(changes), f"{title}: has changes")
        problems = []
        for number, change in enumerate(changes, start=1):
            try:
                verify_version_object(change)
                proof = change["inclusion"]
                if proof["index"] != change["seq"] or proof["leafHash"] != change["leafHash"]:
                    raise Rejected("inclusion_failed", "the proof is for another leaf")
                verify_inclusion(checkpoint, b64decode_strict(change["entry"]), proof["index"],
                                 proof["treeSize"], proof["hashes"])
                if change["version"] != number:
                    problems.append(f"seq {change['seq']}: version {change['version']}, expected {number}")
                if change["entity"] != {"type": entity_type, "id": entity_id}:
                    problems.append(f"seq {change['seq']}: belongs to {change['entity']}")
            except (Rejected, ValueError, KeyError) as error:
                problems.append(f"seq {change.get('seq')}: {error}")
        self.report.check(not problems, f"{title}: {len(changes)} version(s) numbered 1..{len(changes)}, every "
                          f"commitment and inclusion proof (tree size {checkpoint.size}) verifies",
                          "; ".join(problems[:5]))

    # -- stream listings ----------------------------------------------------------------------------
    def check_records(self, records: list, title: str, stream: str = None):
        problems = []
        for record in records:
            try:
                verify_version_object(record)
                if stream is not None and record["stream"] != stream:
                    problems.append(f"seq {record['seq']} is in stream {record['stream']}")
            except (Rejected, ValueError, KeyError) as error:
                problems.append(f"seq {record.get('seq')}: {error}")
        seqs = [record["seq"] for record in records]
        if seqs != sorted(set(seqs)):
            problems.append("records are not in increasing seq order")
        self.report.check(not problems, f"{title}: {len(records)} records, every leaf hash and commitment verifies",
                          "; ".join(problems[:5]))

    def streams(self):
        for stream in STREAMS:
            listing = self.api.json(f"{SANDBOX}/logs/{stream}", {"limit": 50})
            self.report.check(listing.get("stream") == stream, f"logs/{stream}: listing names its stream")
            self.check_records(listing["records"], f"logs/{stream}", stream)
            self.seen[stream] = listing["records"]
        response = self.api.get(f"{SANDBOX}/logs/no-such-stream")
        code = self.error_code(response)
        self.report.check(response.status_code == 400 and code == "unknown_stream",
                          "logs/no-such-stream: refused with 400 unknown_stream", f"{response.status_code} {code}")

    def paging(self, stream: str, limit: int = 25, max_pages: int = 100):
        """Follows nextCursor to the end of a stream (or max_pages), checking order and no repeats."""
        seqs, cursor, pages = [], None, 0
        while pages < max_pages:
            params = {"limit": limit, **({"cursor": cursor} if cursor else {})}
            listing = self.api.json(f"{SANDBOX}/logs/{stream}", params)
            pages += 1
            if len(listing["records"]) > limit:
                self.report.fail(f"paging {stream}: a page holds {len(listing['records'])} > limit {limit} records")
                return
            seqs += [record["seq"] for record in listing["records"]]
            cursor = listing.get("nextCursor")
            if not cursor:
                break
        end = "to its end" if not cursor else f"for {max_pages} pages"
        self.report.check(seqs == sorted(set(seqs)) and len(seqs) > 0,
                          f"paging {stream}: {pages} pages {end} via nextCursor, {len(seqs)} records in "
                          f"increasing seq order, none repeated")

    def formats(self, stream: str, limit: int = 20):
        """The same page as JSON, NDJSON and CSV must hold the same records."""
        as_json = self.api.json(f"{SANDBOX}/logs/{stream}", {"limit": limit})
        records = as_json["records"]
        ndjson = self.api.get(f"{SANDBOX}/logs/{stream}", {"limit": limit}, accept="application/x-ndjson")
        lines = [json.loads(line) for line in ndjson.text.splitlines() if line.strip()]
        self.report.check(ndjson.status_code == 200 and lines == records,
                          f"logs/{stream}: NDJSON page equals the JSON page ({len(records)} records)")
        self.report.check(ndjson.headers.get("X-Next-Cursor") == as_json.get("nextCursor"),
                          f"logs/{stream}: NDJSON X-Next-Cursor equals JSON nextCursor")
        response = self.api.get(f"{SANDBOX}/logs/{stream}", {"limit": limit}, accept="text/csv")
        rows = list(csv.DictReader(io.StringIO(response.text)))
        expected = [{"seq": str(r["seq"]), "eventId": r["eventId"], "stream": r["stream"], "recordedAt": r["recordedAt"],
                     "entityType": r["entity"]["type"], "entityId": r["entity"]["id"], "action": r.get("action", "")}
                    for r in records]
        got = [{name: row.get(name) for name in expected[0]} for row in rows] if expected else rows
        self.report.check(response.status_code == 200 and got == expected,
                          f"logs/{stream}: CSV page has the same seq, eventId, stream, recordedAt, entity and "
                          f"action as the JSON page")

    def player(self):
        player_id = next(r["playerId"] for s in ("kyc", "payment", "aml") for r in self.seen.get(s, [])
                         if r.get("playerId"))
        records, cursor, named = [], None, True
        for _ in range(20):  # follow the cursor through the whole timeline (at most 20 pages)
            params = {"limit": 50, **({"cursor": cursor} if cursor else {})}
            listing = self.api.json(f"{SANDBOX}/player/{player_id}", params)
            named = named and listing.get("playerId") == player_id
            records += listing["records"]
            cursor = listing.get("nextCursor")
            if not cursor:
                break
        self.report.check(named, f"player/{player_id}: every page names the player")
        self.check_records(records, f"player/{player_id}")
        self.report.check(records and all(r.get("playerId") == player_id for r in records),
                          f"player/{player_id}: every record in the timeline is the player's")

    def reports(self):
        """Periods are the scenario's time: take them from a record already seen."""
        recorded = next(r["recordedAt"] for records in self.seen.values() for r in records)
        day = datetime.date.fromisoformat(recorded[:10])
        year, week, _ = day.isocalendar()
        periods = [day.isoformat(), f"{year}-W{week:02d}", day.strftime("%Y-%m"),
                   f"{day.year}-Q{(day.month - 1) // 3 + 1}"]
        for period in periods:
            listing = self.api.json(f"{SANDBOX}/reports/{period}")
            records = listing["records"]
            self.report.check(listing.get("period") == period and isinstance(listing.get("objects"), list),
                              f"reports/{period}: listing names its period and has objects "
                              f"({len(records)} reports, {len(listing['objects'])} objects)")
            self.check_records(records, f"reports/{period}", "report")
            for record in records[:3]:
                one = self.api.json(f"{SANDBOX}/reports/{period}/{record['eventId']}")
                self.report.check(one.get("eventId") == record["eventId"] and one.get("entry") == record["entry"],
                                  f"reports/{period}/{record['eventId']}: same record as in the listing")
        response = self.api.get(f"{SANDBOX}/reports/{periods[0]}/no-such-report")
        self.report.check(response.status_code == 404, f"reports/{periods[0]}/no-such-report: 404",
                          str(response.status_code))

    # -- proofs -------------------------------------------------------------------------------------
    def inclusion_routes(self, checkpoint: Checkpoint):
        """Proofs for a sample of listed records against the checkpoint fetched at the start."""
        sample = [records[0] for records in self.seen.values() if records]
        for record in sample:
            proof = self.api.json(f"{SANDBOX}/proof/inclusion", {"seq": record["seq"], "size": checkpoint.size})
            if proof["leafHash"] != record["leafHash"] or proof["index"] != record["seq"]:
                raise Rejected("inclusion_failed", f"proof for seq {record['seq']} is for another leaf")
            verify_inclusion(checkpoint, b64decode_strict(record["entry"]), proof["index"], proof["treeSize"],
                             proof["hashes"])
        self.report.ok(f"proof/inclusion: {len(sample)} records (one per non-empty stream) are in the signed "
                       f"tree of size {checkpoint.size}")

        # The tlog-proof text carries its own checkpoint: verify that, then the proof against it.
        record = sample[0]
        for params in ({"seq": record["seq"], "format": "tlog-proof"},
                       {"seq": record["seq"], "size": checkpoint.size, "format": "tlog-proof"}):
            text = self.api.text(f"{SANDBOX}/proof/inclusion", params)
            index, hashes, note = parse_tlog_proof(text)
            proof_checkpoint = verify_checkpoint(note, self.key, self.origin)
            if index != record["seq"]:
                raise Rejected("inclusion_failed", f"tlog-proof is for index {index}, asked {record['seq']}")
            verify_inclusion(proof_checkpoint, b64decode_strict(record["entry"]), index, proof_checkpoint.size, hashes)
            if "size" in params and proof_checkpoint.text != checkpoint.text:
                raise Rejected("inclusion_failed", "tlog-proof at a size carries another checkpoint")
            self.report.ok(f"tlog-proof (seq {index}{', size ' + str(params['size']) if 'size' in params else ''}): "
                           f"checkpoint signature and inclusion at size {proof_checkpoint.size} verify")

    def growth(self, first: Checkpoint, status: dict):
        """Waits for the log to grow, then proves that the new tree extends the one seen at the start."""
        deadline = time.monotonic() + self.growth_timeout
        tick = max(0.2, status.get("replay", {}).get("tickMilliseconds", 1000) / 1000)
        while True:
            note = self.api.text(f"{SANDBOX}/checkpoint")
            latest = verify_checkpoint(note, self.key, self.origin)
            if latest.size > first.size or time.monotonic() > deadline:
                break
            time.sleep(tick)
        if not self.report.check(latest.size > first.size,
                                 f"growth: the log grew from {first.size} to {latest.size} within "
                                 f"{self.growth_timeout:g} s"):
            return
        self.report.ok(f"growth: the new checkpoint's signature verifies, size {latest.size}")
        proof = self.api.json(f"{SANDBOX}/proof/consistency", {"from": first.size, "to": latest.size})
        if proof.get("from") != first.size or proof.get("to") != latest.size:
            raise Rejected("consistency_failed", f"proof is from {proof.get('from')} to {proof.get('to')}")
        verify_consistency(first, latest, proof["hashes"])
        self.report.ok(f"proof/consistency: tree {latest.size} extends tree {first.size} (RFC 9162 §2.1.4.2)")

    # -- export archives ----------------------------------------------------------------------------
    def export(self, first: Checkpoint, entity_type: str = "bonusRule", entity_id: str = "123"):
        """A partial export of one entity (small), gzip-compressed: start it, poll it, download it and
        verify the archive as docs/ARCHIVE.md says, then tie it to the audit trail and the first checkpoint."""
        r, title = self.report, f"export {entity_type}/{entity_id}"
        filters = {"entity": {"type": entity_type, "id": entity_id}}
        # proveFrom: the archive carries the consistency proof from the first checkpoint this client saw.
        response = self.api.post(f"{SANDBOX}/exports", {**filters, "compression": "gzip", "proveFrom": first.size})
        job = response.json() if response.status_code == 202 else {}
        if not r.check(job.get("state") in ("running", "done") and job.get("id"), f"{title}: POST exports answers "
                       f"202 with a job", f"{response.status_code} {response.text[:300]}"):
            return
        path = f"{SANDBOX}/exports/{job['id']}"
        r.check(response.headers.get("Location") == path, f"{title}: Location names the sandbox route {path}",
                f"Location {response.headers.get('Location')!r}")
        r.check(job.get("filter") == filters, f"{title}: the job carries the requested filter", repr(job.get("filter")))
        deadline, polls = time.monotonic() + self.export_timeout, 0
        while True:
            response = self.api.get(path, accept="application/gzip, application/json")
            polls += 1
            if response.status_code != 202 or time.monotonic() > deadline:
                break
            progress = response.json().get("progress", {})
            if not (isinstance(progress.get("done"), int) and isinstance(progress.get("total"), int)):
                r.fail(f"{title}: a running job reports progress {{done, total}}: {progress!r}")
            time.sleep(0.2)
        if not r.check(response.status_code == 200, f"{title}: done after {polls} poll(s) within "
                       f"{self.export_timeout:g} s", f"{response.status_code} {response.text[:300]}"):
            return
        data = response.content  # small: a partial export. Stream a full one to a file instead.
        r.check(response.headers.get("Content-Type") == "application/gzip" and data[:2] == b"\x1f\x8b",
                f"{title}: downloaded {len(data)} bytes of gzip")
        result = verify_archive(data, self.key, self.origin, trusted=first)
        manifest, checkpoint, entries, records = (result[k] for k in ("manifest", "checkpoint", "entries", "records"))
        r.ok(f"{title}: {len(result['members'])} members, all regular files under {ARCHIVE_DIR} with mode 0444 "
             f"and owner 0:0, in the order of ARCHIVE.md")
        r.ok(f"{title}: manifest signature by {self.key.name}+{self.key.key_id.hex()} verifies; every member's "
             f"size and SHA-256 matches it")
        r.check(manifest["scope"] == "partial" and manifest["filter"] == json.dumps(filters, sort_keys=True,
                separators=(",", ":")), f"{title}: manifest scope partial, filter {manifest['filter']}")
        r.ok(f"{title}: checkpoint signature verifies, the manifest's tree (size {checkpoint.size}); keys lists "
             f"the key for it")
        r.ok(f"{title}: {len(entries)} entries carry their seqs and are included in the signed tree (RFC 9162)")
        r.ok(f"{title}: {len(records)} records match their entries' commitments")
        # The filter: every version of the entity in the archive's tree that /audit serves is in the
        # archive, byte for byte (the log may have grown since the export).
        changes = [c for c in self.api.json(f"{SANDBOX}/audit", {"entity": entity_type, "id": entity_id})["changes"]
                   if c["seq"] < checkpoint.size]
        absent = [c["seq"] for c in changes if entries.get(c["seq"]) != b64decode_strict(c["entry"])
                  or records.get(c["seq"]) != (b64decode_strict(c["salt"]), b64decode_strict(c["record"]))]
        r.check(changes and not absent, f"{title}: all {len(changes)} versions from /audit are in the archive "
                f"with the same entries and records", f"absent or different: seqs {absent[:10]}")
        r.check("consistency" in result["members"], f"{title}: the archive proves, offline, that its tree "
                f"{checkpoint.size} extends the first checkpoint's tree {first.size} (its consistency member)")
        for check in result["skipped"]:
            print(f"note: {title}: skipped ARCHIVE.md check {check}; regvault-verify ARCHIVE --key KEY is the "
                  f"complete offline verifier")

    # -- vectors ------------------------------------------------------------------------------------
    def vectors(self):
        document = self.api.json(f"{SANDBOX}/vectors")
        self.report.check(document.get("origin") == self.origin and document.get("verifierKey") == self.key.text,
                          "vectors: published for the trusted key and origin")
        for vector in document["vectors"]:
            verdict, reason = run_vector(vector, self.key, self.origin)
            expected = (vector["expect"], vector.get("reason"))
            shown = f"{verdict}{' (' + reason + ')' if reason else ''}"
            self.report.check((verdict, reason) == expected, f"vector {vector['id']}: {shown}",
                              f"expected {expected[0]}{' (' + str(expected[1]) + ')' if expected[1] else ''}")

    # -- the certificate opens the sandbox and nothing else -----------------------------------------
    def scope(self):
        for path in ("/regulator/checkpoint", "/log/checkpoint"):
            response = self.api.get(path)
            code = self.error_code(response)
            self.report.check(response.status_code == 403 and code == "sandbox_only",
                              f"{path}: the sandbox certificate is refused (403 sandbox_only)",
                              f"{response.status_code} {code}")

    @staticmethod
    def error_code(response: requests.Response):
        try:
            return response.json()["error"]["code"]
        except Exception:
            return None


def load_key(argument: str, sandbox: Sandbox, report: Report) -> VerifierKey:
    """A pinned key (text or file) if given, else the served one, trusted on first use."""
    served = sandbox.text(f"{SANDBOX}/key").strip()
    if argument is None:
        key = parse_verifier_key(served)
        print(f"note: trusting the key served at {SANDBOX}/key on first use: {key.text}")
        print("note: pin the published key with --verifier-key (sandbox/keys/<scenario>.vkey) instead")
        report.ok(f"key: {key.name}+{key.key_id.hex()} parses and its key id matches its name and key")
        return key
    text = open(argument, encoding="utf-8").read() if os.path.isfile(argument) else argument
    key = parse_verifier_key(text)
    report.ok(f"key: pinned {key.name}+{key.key_id.hex()} parses and its key id matches its name and key")
    report.check(served == key.text, f"key: {SANDBOX}/key serves the pinned key", f"served {served!r}")
    return key


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Walk and verify the RegVault regulator sandbox.")
    parser.add_argument("--url", required=True, help="https://HOST:PORT of the appliance")
    parser.add_argument("--cert", required=True, help="sandbox client certificate (PEM)")
    parser.add_argument("--key", required=True, help="its private key (PEM)")
    parser.add_argument("--cacert", required=True, help="CA that signed the server's certificate (PEM)")
    parser.add_argument("--verifier-key", help="the log's verifier key, as text or a file holding it "
                                               "(default: fetch it and trust it on first use)")
    parser.add_argument("--growth-timeout", type=float, default=30.0,
                        help="seconds to wait for the log to grow (default 30)")
    parser.add_argument("--export-timeout", type=float, default=60.0,
                        help="seconds to wait for the export to finish (default 60)")
    parser.add_argument("--entity", action="append", default=[], metavar="TYPE/ID",
                        help="also audit this entity (default: bonusRule/123 and one per stream)")
    args = parser.parse_args(argv)

    report = Report()
    sandbox = Sandbox(args.url, args.cert, args.key, args.cacert)
    client = None
    try:
        key = load_key(args.verifier_key, sandbox, report)
        client = Client(sandbox, key, report, args.growth_timeout, args.export_timeout)
    except Exception as error:
        report.fail(f"key: {type(error).__name__}: {error}")

    if client is not None:
        status = client.step("status", client.status) or {}
        first = client.step("checkpoint", client.latest_checkpoint, "checkpoint at the start")
        client.step("logs", client.streams)
        entities = [("bonusRule", "123")]
        for records in client.seen.values():  # one entity discovered from each stream
            if records and (records[0]["entity"]["type"], records[0]["entity"]["id"]) not in entities:
                entities.append((records[0]["entity"]["type"], records[0]["entity"]["id"]))
        entities += [tuple(e.split("/", 1)) for e in args.entity]
        for entity_type, entity_id in entities:
            client.step(f"audit {entity_type}/{entity_id}", client.audit, entity_type, entity_id)
        client.step("paging", client.paging, "rng")
        client.step("formats", client.formats, "kyc")
        client.step("player", client.player)
        client.step("reports", client.reports)
        if first is not None:
            client.step("proof/inclusion", client.inclusion_routes, first)
            client.step("growth", client.growth, first, status)
            client.step("export", client.export, first)
        client.step("vectors", client.vectors)
        client.step("scope", client.scope)

    total = report.passed + report.failed
    if report.failed:
        print(f"FAILED: {report.failed} of {total} checks failed")
        return 1
    print(f"PASSED: all {total} checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
