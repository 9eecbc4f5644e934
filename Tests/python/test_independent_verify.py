"""Independent verification of regvault's evidence, written from the public specifications only.

The vault is driven as a black box through its command line; everything it prints is checked here
with code that shares nothing with the vault:

* C2SP signed-note verifier keys and signatures (https://c2sp.org/signed-note), with `cryptography`'s
  Ed25519, and C2SP tlog-checkpoint bodies (https://c2sp.org/tlog-checkpoint);
* RFC 9162 Merkle tree hashes (§2.1.1), inclusion proof verification (§2.1.3.2) and consistency proof
  verification (§2.1.4.2);
* the v1 entry layout and the record commitment SHA-256(salt || record);
* RFC 8785 (JCS) canonical JSON and RFC 6902 JSON Patch (with `jsonpatch`) for entity histories.
"""

import base64
import hashlib
import json
import re
import struct
import time
from dataclasses import dataclass
from datetime import datetime, timezone

import jsonpatch
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

EX_DATAERR = 65
EM_DASH = "\u2014"


# ==================================================================================================
# Encoding helpers
# ==================================================================================================

def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def b64d(text: str) -> bytes:
    """Strict standard, padded base64 (RFC 4648 §4), as used by C2SP notes and the vault's JSON."""
    assert isinstance(text, str), f"expected a base64 string, got {text!r}"
    raw = base64.b64decode(text, validate=True)
    assert base64.b64encode(raw).decode("ascii") == text, f"non-canonical base64: {text!r}"
    return raw


def b64e(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def parse_acks(stdout: bytes):
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def event_id(line: bytes) -> str:
    return json.loads(line)["eventId"]


# ==================================================================================================
# C2SP signed-note: verifier keys, checkpoints and signatures
# ==================================================================================================

@dataclass
class VerifierKey:
    name: str
    key_id: bytes  # 4 bytes
    public_key: bytes  # 32 bytes Ed25519


def note_key_id(name: str, public_key: bytes) -> bytes:
    """signed-note key id: the first 4 bytes of SHA-256(name || 0x0A || 0x01 || key)."""
    return sha256(name.encode("utf-8") + b"\n" + b"\x01" + public_key)[:4]


def parse_verifier_key(text: str) -> VerifierKey:
    parts = text.split("+", 2)  # the name has no "+"; the base64 key may
    assert len(parts) == 3, f"verifier key must be name+keyid+key, got {text!r}"
    name, hex_id, b64_key = parts
    assert name and not re.search(r"\s", name), f"bad key name {name!r}"
    assert re.fullmatch(r"[0-9a-f]{8}", hex_id), f"key id must be 8 lower-case hex digits, got {hex_id!r}"
    raw = b64d(b64_key)
    assert len(raw) == 33 and raw[0] == 0x01, f"key must be 0x01 || 32-byte Ed25519 key, got {raw.hex()}"
    return VerifierKey(name=name, key_id=bytes.fromhex(hex_id), public_key=raw[1:])


@dataclass
class NoteSignature:
    name: str
    key_id: bytes
    signature: bytes


@dataclass
class Checkpoint:
    raw: bytes
    body: bytes  # the signed text: everything before the blank line, including the body's final newline
    origin: str
    size: int
    root: bytes
    signatures: list


def parse_checkpoint(raw: bytes) -> Checkpoint:
    text = raw.decode("utf-8")  # strict: a note is UTF-8
    assert text.endswith("\n"), f"note must end with a newline: {text!r}"
    sep = text.find("\n\n")
    assert sep > 0, f"note has no blank line between body and signatures: {text!r}"
    body = text[: sep + 1]
    body_lines = body.split("\n")[:-1]
    assert len(body_lines) == 3, f"checkpoint body must be origin, size, root: {body_lines!r}"
    origin, size_text, root_b64 = body_lines
    assert re.fullmatch(r"0|[1-9][0-9]*", size_text), f"tree size must be ASCII decimal: {size_text!r}"
    root = b64d(root_b64)
    assert len(root) == 32, "root hash must be 32 bytes"

    sig_lines = text[sep + 2:].split("\n")
    assert sig_lines[-1] == "", "signature block must end with a newline"
    sig_lines = sig_lines[:-1]
    assert sig_lines, "note carries no signature lines"
    signatures = []
    for line in sig_lines:
        assert line.startswith(EM_DASH + " "), f"signature line must start with U+2014 and a space: {line!r}"
        fields = line[2:].split(" ")
        assert len(fields) == 2, f"signature line must be '— name base64': {line!r}"
        blob = b64d(fields[1])
        assert len(blob) == 4 + 64, f"Ed25519 note signature must be 4-byte key id + 64 bytes, got {len(blob)}"
        signatures.append(NoteSignature(name=fields[0], key_id=blob[:4], signature=blob[4:]))
    return Checkpoint(raw=raw, body=body.encode("utf-8"), origin=origin, size=int(size_text), root=root,
                      signatures=signatures)


def ed25519_ok(public_key: bytes, signature: bytes, message: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
        return True
    except InvalidSignature:
        return False


def checkpoint_verifies(cp: Checkpoint, key: VerifierKey) -> bool:
    """True when some signature line by `key` (same name and key id) verifies over the body bytes."""
    return any(
        sig.name == key.name and sig.key_id == key.key_id and ed25519_ok(key.public_key, sig.signature, cp.body)
        for sig in cp.signatures
    )


# ==================================================================================================
# RFC 9162 Merkle trees
# ==================================================================================================

def leaf_hash(entry: bytes) -> bytes:
    return sha256(b"\x00" + entry)


def node_hash(left: bytes, right: bytes) -> bytes:
    return sha256(b"\x01" + left + right)


def largest_power_of_two_below(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(leaves) -> bytes:
    """RFC 9162 §2.1.1 Merkle Tree Hash over a list of leaf hashes."""
    n = len(leaves)
    if n == 0:
        return sha256(b"")
    if n == 1:
        return leaves[0]
    k = largest_power_of_two_below(n)
    return node_hash(mth(leaves[:k]), mth(leaves[k:]))


def verify_inclusion(index: int, size: int, leaf: bytes, proof, root: bytes) -> bool:
    """RFC 9162 §2.1.3.2."""
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


def verify_consistency(first: int, second: int, first_hash: bytes, second_hash: bytes, proof) -> bool:
    """RFC 9162 §2.1.4.2."""
    if first < 1 or first > second or any(len(p) != 32 for p in proof):
        return False
    if first == second:
        return not proof and first_hash == second_hash
    if not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:
        path = [first_hash] + path
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
    return fr == first_hash and sr == second_hash and sn == 0


# Reference proof *generation* straight from the RFC's definitions (§2.1.3.1 PATH, §2.1.4.1 PROOF).
# Used only to show that the verifiers above accept correct proofs and reject tampered ones.
def ref_path(m: int, leaves):
    n = len(leaves)
    if n == 1:
        return []
    k = largest_power_of_two_below(n)
    if m < k:
        return ref_path(m, leaves[:k]) + [mth(leaves[k:])]
    return ref_path(m - k, leaves[k:]) + [mth(leaves[:k])]


def ref_proof(m: int, leaves):
    def subproof(m, leaves, b):
        n = len(leaves)
        if m == n:
            return [] if b else [mth(leaves)]
        k = largest_power_of_two_below(n)
        if m <= k:
            return subproof(m, leaves[:k], b) + [mth(leaves[k:])]
        return subproof(m - k, leaves[k:], False) + [mth(leaves[:k])]

    return subproof(m, leaves, True)


def flip(h: bytes, at: int = 0) -> bytes:
    return h[:at] + bytes([h[at] ^ 0x01]) + h[at + 1:]


# ==================================================================================================
# Entry layout v1
# ==================================================================================================

@dataclass
class Entry:
    version: int
    kind: int
    seq: int
    recorded_at: int
    retention_mode: int
    retain_until: int
    retention_class: str
    commitment: bytes


ENTRY_HEAD = struct.Struct(">BBQqBqB")  # version, kind, seq, recordedAt, mode, retainUntil, L


def parse_entry(raw: bytes) -> Entry:
    assert len(raw) >= ENTRY_HEAD.size + 32, f"entry too short: {len(raw)} bytes"
    version, kind, seq, recorded_at, mode, retain_until, class_len = ENTRY_HEAD.unpack_from(raw)
    assert len(raw) == 60 + class_len, f"entry must be 60+L = {60 + class_len} bytes, got {len(raw)}"
    retention_class = raw[ENTRY_HEAD.size: ENTRY_HEAD.size + class_len].decode("ascii")
    commitment = raw[ENTRY_HEAD.size + class_len:]
    return Entry(version, kind, seq, recorded_at, mode, retain_until, retention_class, commitment)


def check_record_entry(e: Entry, seq: int):
    assert e.version == 1, f"entry version {e.version}"
    expected = 5 if seq < POLICY_ENTRIES else 1
    assert e.kind == expected, f"entry kind {e.kind}, expected {expected} (5 policy, 1 record)"
    assert e.seq == seq, f"entry seq {e.seq} != leaf index {seq}"
    assert e.retention_mode in (1, 2), f"retention mode {e.retention_mode}"
    assert e.retain_until >= e.recorded_at, "retainUntil before recordedAt"
    assert len(e.commitment) == 32


def millis_from_timestamp(text: str) -> int:
    dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    assert dt.tzinfo is not None, f"timestamp without zone: {text!r}"
    delta = dt - datetime(1970, 1, 1, tzinfo=timezone.utc)
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


# ==================================================================================================
# RFC 8785 (JCS) canonical JSON
# ==================================================================================================

def es6_number(value) -> str:
    """ECMAScript Number::toString, as RFC 8785 §3.2.2.3 requires."""
    if isinstance(value, int):
        if abs(value) < 2 ** 53:
            return str(value)
        value = float(value)
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError("JCS has no NaN or infinity")
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    mantissa, _, exp = repr(abs(value)).partition("e")  # repr is the shortest round-trip form
    int_part, _, frac_part = mantissa.partition(".")
    all_digits = int_part + frac_part
    stripped = all_digits.lstrip("0")
    n = len(int_part) + (int(exp) if exp else 0) - (len(all_digits) - len(stripped))
    digits = stripped.rstrip("0")
    k = len(digits)
    if k <= n <= 21:
        return sign + digits + "0" * (n - k)
    if 0 < n <= 21:
        return sign + digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return sign + "0." + "0" * (-n) + digits
    e = n - 1
    exp_text = ("+" if e >= 0 else "-") + str(abs(e))
    if k == 1:
        return sign + digits + "e" + exp_text
    return sign + digits[0] + "." + digits[1:] + "e" + exp_text


def jcs(value) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (int, float)):
        return es6_number(value)
    if isinstance(value, str):
        # Python escapes exactly ", \, \b \f \n \r \t and other controls as lower-case \u00xx: as JCS does.
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ",".join(jcs(v) for v in value) + "]"
    if isinstance(value, dict):
        keys = sorted(value, key=lambda s: s.encode("utf-16-be"))  # UTF-16 code unit order
        return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + jcs(value[k]) for k in keys) + "}"
    raise TypeError(f"not JSON: {value!r}")


def jcs_bytes(value) -> bytes:
    return jcs(value).encode("utf-8")


# ==================================================================================================
# Self-tests of the verifier itself (no binary): it must accept RFC proofs and reject any tampering
# ==================================================================================================

def test_own_jcs_matches_rfc8785_number_examples():
    # Examples from RFC 8785 Appendix B / §3.2.2.3.
    assert es6_number(0.0) == "0" and es6_number(-0.0) == "0"
    assert es6_number(1e21) == "1e+21"
    assert es6_number(1e20) == "100000000000000000000"
    assert es6_number(1e-7) == "1e-7"
    assert es6_number(0.000001) == "0.000001"
    assert es6_number(333333333.3333333) == "333333333.3333333"
    assert es6_number(5e-324) == "5e-324"
    assert es6_number(1.7976931348623157e308) == "1.7976931348623157e+308"
    assert es6_number(9007199254740992) == "9007199254740992"
    assert jcs({"b": [1, 2.5, True, None], "a": "\u20ac\n"}) == '{"a":"\u20ac\\n","b":[1,2.5,true,null]}'


def test_own_merkle_verifiers_accept_rfc_proofs_and_reject_every_tampering():
    leaves = [leaf_hash(b"leaf-%d" % i) for i in range(33)]
    assert mth([]) == sha256(b"")
    for n in range(1, len(leaves) + 1):
        root = mth(leaves[:n])
        for m in range(n):
            path = ref_path(m, leaves[:n])
            assert verify_inclusion(m, n, leaves[m], path, root)
            assert not verify_inclusion(m, n, leaves[(m + 1) % n] if n > 1 else flip(leaves[m]), path, root)
            assert not verify_inclusion(m, n, leaves[m], path, flip(root))
            for i in range(len(path)):
                assert not verify_inclusion(m, n, leaves[m], path[:i] + [flip(path[i], i % 32)] + path[i + 1:], root)
            if path:
                assert not verify_inclusion(m, n, leaves[m], path[:-1], root)
            assert not verify_inclusion(m, n, leaves[m], path + [root], root)
        for m in range(1, n):
            proof = ref_proof(m, leaves[:n])
            old = mth(leaves[:m])
            assert verify_consistency(m, n, old, root, proof)
            assert not verify_consistency(m, n, flip(old), root, proof)
            assert not verify_consistency(m, n, old, flip(root), proof)
            for i in range(len(proof)):
                assert not verify_consistency(m, n, old, root, proof[:i] + [flip(proof[i])] + proof[i + 1:])
            assert not verify_consistency(m, n, old, root, proof[:-1])


# ==================================================================================================
# Fixtures: vaults filled through the command line
# ==================================================================================================

SMALL_ORIGIN = "independent-verify.test/small-log"
# A new vault's first batch starts with the entry of each retention policy in force (kind 5); a vault
# made without --retention has one, the operator default. Client records follow.
POLICY_ENTRIES = 1
SMALL_COUNT = 137  # not a power of two; every entry and every proof of this tree is checked
GROWN_ORIGIN = "independent-verify.test/grown-log"
GROWN_FIRST = 260
GROWN_TOTAL = 400


@pytest.fixture(scope="module")
def small(make_vault, generate):
    records = generate(SMALL_COUNT, 11)
    assert len({event_id(r) for r in records}) == SMALL_COUNT, "generator repeated an event id"
    vault = make_vault(SMALL_ORIGIN)
    before_ms = int(time.time() * 1000)
    proc = vault.append_lines(records, "small.jsonl")
    after_ms = int(time.time() * 1000)
    cp = parse_checkpoint(vault.checkpoint())
    key = parse_verifier_key(vault.keys_public().rstrip("\n"))
    return dict(vault=vault, records=records, acks=parse_acks(proc.stdout), cp=cp, key=key,
                before_ms=before_ms, after_ms=after_ms)


@pytest.fixture(scope="module")
def small_entries(small):
    """Every entry of the small tree: (raw entry bytes, leaf hash as printed)."""
    vault = small["vault"]
    out = []
    for seq in range(small["cp"].size):
        reply = vault.entry(seq)
        assert reply["seq"] == seq
        out.append((b64d(reply["entry"]), b64d(reply["leafHash"])))
    return out


@pytest.fixture(scope="module")
def grown(make_vault, generate):
    records = generate(GROWN_TOTAL, 5)
    assert len({event_id(r) for r in records}) == GROWN_TOTAL, "generator repeated an event id"
    vault = make_vault(GROWN_ORIGIN)
    first = vault.append_lines(records[:GROWN_FIRST], "first.jsonl")
    cp_a = parse_checkpoint(vault.checkpoint())
    second = vault.append_stdin(b"".join(r + b"\n" for r in records[GROWN_FIRST:]))
    cp_b = parse_checkpoint(vault.checkpoint())
    key = parse_verifier_key(vault.keys_public().rstrip("\n"))
    return dict(vault=vault, records=records, acks_a=parse_acks(first.stdout), acks_b=parse_acks(second.stdout),
                cp_a=cp_a, cp_b=cp_b, key=key)


# ==================================================================================================
# 1. Verifier key
# ==================================================================================================

def test_verifier_key_names_the_origin_and_its_key_id_recomputes(make_vault):
    origin = "independent-verify.test/keys"
    vault = make_vault(origin)
    printed = vault.init_stdout
    assert printed.endswith("\n") and printed.count("\n") == 1, f"init must print one key line: {printed!r}"
    key_text = printed[:-1]
    key = parse_verifier_key(key_text)
    assert key.name == origin
    assert key.key_id == note_key_id(key.name, key.public_key), (
        f"key id {key.key_id.hex()} != SHA-256(name||0x0A||0x01||key)[:4] = "
        f"{note_key_id(key.name, key.public_key).hex()}")
    assert vault.keys_public() == key_text + "\n", "`keys public` must print the same key string as init"
    Ed25519PublicKey.from_public_bytes(key.public_key)  # a valid point encoding


def test_fresh_vault_has_signed_empty_checkpoint_that_no_other_key_verifies(make_vault):
    vault = make_vault("independent-verify.test/fresh")
    other = make_vault("independent-verify.test/other")
    key = parse_verifier_key(vault.init_stdout.rstrip("\n"))
    other_key = parse_verifier_key(other.init_stdout.rstrip("\n"))
    cp = parse_checkpoint(vault.checkpoint())
    assert cp.origin == "independent-verify.test/fresh"
    assert cp.size == 0
    assert cp.root == sha256(b""), "empty tree root must be SHA-256 of the empty string"
    assert checkpoint_verifies(cp, key)
    assert other_key.public_key != key.public_key, "two vaults must not share a signing key"
    forged_key = VerifierKey(key.name, key.key_id, other_key.public_key)
    assert not checkpoint_verifies(cp, forged_key), "signature verified under a foreign key"


# ==================================================================================================
# 2. Append, checkpoint signature, every entry, tree hash, every inclusion proof
# ==================================================================================================

def test_append_acknowledges_seqs_0_to_n_minus_1_in_input_order(small):
    acks = small["acks"]
    assert [a["seq"] for a in acks] == list(range(POLICY_ENTRIES, POLICY_ENTRIES + SMALL_COUNT))
    assert [a["eventId"] for a in acks] == [event_id(r) for r in small["records"]]
    for ack in acks:
        assert set(ack) <= {"eventId", "seq", "duplicate"}, ack
        assert ack.get("duplicate", False) is False, f"fresh record acknowledged as duplicate: {ack}"


def test_checkpoint_is_signed_by_the_vault_key_over_the_body_bytes(small):
    cp, key = small["cp"], small["key"]
    assert cp.origin == SMALL_ORIGIN == key.name
    assert cp.size == POLICY_ENTRIES + SMALL_COUNT
    assert cp.raw == cp.body + b"\n" + b"".join(
        (EM_DASH + " " + s.name + " " + b64e(s.key_id + s.signature) + "\n").encode("utf-8") for s in cp.signatures)
    ours = [s for s in cp.signatures if s.name == key.name]
    assert ours, "no signature line names the log"
    assert all(s.key_id == key.key_id for s in ours), "signature line key id differs from the verifier key's"
    assert checkpoint_verifies(cp, key), "Ed25519 signature over the checkpoint body does not verify"
    # The verifier can fail: any change to the signed body breaks it.
    tampered = Checkpoint(cp.raw, cp.body.replace(b"\n%d\n" % cp.size, b"\n%d\n" % (cp.size + 1)), cp.origin,
                          cp.size + 1, cp.root, cp.signatures)
    assert tampered.body != cp.body and not checkpoint_verifies(tampered, key)


def test_every_entry_matches_its_leaf_hash_layout_and_the_signed_tree_root(small, small_entries):
    assert len(small_entries) == POLICY_ENTRIES + SMALL_COUNT
    for seq, (raw, printed_leaf) in enumerate(small_entries):
        assert printed_leaf == leaf_hash(raw), f"seq {seq}: leafHash != SHA-256(0x00 || entry)"
        entry = parse_entry(raw)
        check_record_entry(entry, seq)
        # recordedAt is ms since the epoch, taken while this test's append ran.
        assert small["before_ms"] - 300_000 <= entry.recorded_at <= small["after_ms"] + 300_000, (
            f"seq {seq}: recordedAt {entry.recorded_at} is not within the append's time (ms since epoch)")
    root = mth([leaf for _, leaf in small_entries])
    assert root == small["cp"].root, "RFC 9162 MTH of all entries differs from the signed checkpoint root"


def test_inclusion_proof_of_every_leaf_verifies_against_the_signed_root(small, small_entries):
    cp, vault = small["cp"], small["vault"]
    for seq, (raw, leaf) in enumerate(small_entries):
        proof = vault.prove_inclusion(seq)
        assert proof["index"] == seq and proof["treeSize"] == cp.size, proof
        assert b64d(proof["leafHash"]) == leaf
        hashes = [b64d(h) for h in proof["hashes"]]
        assert verify_inclusion(seq, cp.size, leaf, hashes, cp.root), f"inclusion proof for seq {seq} fails"


def test_inclusion_verifier_rejects_a_proof_with_one_flipped_byte(small, small_entries):
    cp, vault = small["cp"], small["vault"]
    seq = 77
    leaf = small_entries[seq][1]
    hashes = [b64d(h) for h in vault.prove_inclusion(seq)["hashes"]]
    assert hashes and verify_inclusion(seq, cp.size, leaf, hashes, cp.root)
    for i in range(len(hashes)):
        bad = hashes[:i] + [flip(hashes[i], 31)] + hashes[i + 1:]
        assert not verify_inclusion(seq, cp.size, leaf, bad, cp.root)
    assert not verify_inclusion(seq + 1, cp.size, leaf, hashes, cp.root)
    assert not verify_inclusion(seq, cp.size, small_entries[seq + 1][1], hashes, cp.root)


HISTORIC_SIZES = [1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 127, 128, 129, 136, 137]


def test_inclusion_proofs_at_earlier_tree_sizes_verify_against_independently_computed_roots(small, small_entries):
    vault = small["vault"]
    leaves = [leaf for _, leaf in small_entries]
    for size in HISTORIC_SIZES:
        root = mth(leaves[:size])
        for seq in sorted({0, size // 2, size - 1}):
            proof = vault.prove_inclusion(seq, size)
            assert proof["index"] == seq and proof["treeSize"] == size, proof
            hashes = [b64d(h) for h in proof["hashes"]]
            assert verify_inclusion(seq, size, leaves[seq], hashes, root), f"inclusion seq {seq} size {size} fails"


def test_consistency_proofs_between_earlier_sizes_verify_against_independently_computed_roots(small, small_entries):
    vault = small["vault"]
    leaves = [leaf for _, leaf in small_entries]
    pairs = [(m, n) for i, m in enumerate(HISTORIC_SIZES) for n in HISTORIC_SIZES[i + 1:]
             if n in (m + 1, 64, 137) or (m, n) in ((1, 2), (7, 100), (33, 129))]
    assert len(pairs) > 20
    for m, n in pairs:
        proof = vault.prove_consistency(m, n)
        assert proof["from"] == m and proof["to"] == n, proof
        hashes = [b64d(h) for h in proof["hashes"]]
        assert verify_consistency(m, n, mth(leaves[:m]), mth(leaves[:n]), hashes), f"consistency {m}->{n} fails"


# ==================================================================================================
# 3. Consistency between signed checkpoints captured before and after more appends
# ==================================================================================================

def test_second_append_continues_the_sequence(grown):
    assert [a["seq"] for a in grown["acks_a"]] == list(range(POLICY_ENTRIES, POLICY_ENTRIES + GROWN_FIRST))
    assert [a["seq"] for a in grown["acks_b"]] == list(range(POLICY_ENTRIES + GROWN_FIRST, POLICY_ENTRIES + GROWN_TOTAL))
    assert [a["eventId"] for a in grown["acks_a"] + grown["acks_b"]] == [event_id(r) for r in grown["records"]]


def test_consistency_proof_links_the_signed_checkpoints_before_and_after_append(grown):
    a, b, key = grown["cp_a"], grown["cp_b"], grown["key"]
    assert (a.origin, a.size) == (GROWN_ORIGIN, POLICY_ENTRIES + GROWN_FIRST)
    assert (b.origin, b.size) == (GROWN_ORIGIN, POLICY_ENTRIES + GROWN_TOTAL)
    assert checkpoint_verifies(a, key) and checkpoint_verifies(b, key)
    proof = grown["vault"].prove_consistency(a.size, b.size)
    assert proof["from"] == a.size and proof["to"] == b.size
    hashes = [b64d(h) for h in proof["hashes"]]
    assert verify_consistency(a.size, b.size, a.root, b.root, hashes), "consistency proof A->B does not verify"
    # ... and the verifier can fail.
    assert not verify_consistency(a.size, b.size, b.root, a.root, hashes)
    for i in range(len(hashes)):
        assert not verify_consistency(a.size, b.size, a.root, b.root, hashes[:i] + [flip(hashes[i])] + hashes[i + 1:])


def _grown_leaf(vault, seq):
    reply = vault.entry(seq)
    raw, leaf = b64d(reply["entry"]), b64d(reply["leafHash"])
    assert leaf == leaf_hash(raw), f"seq {seq}: leafHash != SHA-256(0x00 || entry)"
    check_record_entry(parse_entry(raw), seq)
    return leaf


def test_inclusion_proofs_at_the_old_size_verify_against_the_old_signed_root(grown):
    a, b, vault = grown["cp_a"], grown["cp_b"], grown["vault"]
    sample = sorted(set(range(0, a.size, 9)) | {1, 2, 3, 127, 128, 129, 255, 256, a.size - 2, a.size - 1})
    for seq in sample:
        leaf = _grown_leaf(vault, seq)
        old = vault.prove_inclusion(seq, a.size)
        assert old["treeSize"] == a.size and old["index"] == seq
        old_hashes = [b64d(h) for h in old["hashes"]]
        assert verify_inclusion(seq, a.size, leaf, old_hashes, a.root), f"seq {seq} not in signed tree A"
        assert not verify_inclusion(seq, b.size, leaf, old_hashes, b.root)


def test_inclusion_proofs_at_the_latest_size_verify_against_the_latest_signed_root(grown):
    b, vault = grown["cp_b"], grown["vault"]
    sample = sorted(set(range(0, b.size, 13)) | {GROWN_FIRST - 1, GROWN_FIRST, GROWN_FIRST + 1, b.size - 1})
    for seq in sample:
        leaf = _grown_leaf(vault, seq)
        proof = vault.prove_inclusion(seq)
        assert proof["treeSize"] == b.size and proof["index"] == seq
        hashes = [b64d(h) for h in proof["hashes"]]
        assert verify_inclusion(seq, b.size, leaf, hashes, b.root), f"seq {seq} not in signed tree B"


# ==================================================================================================
# 4. History of bonusRule 123: commitments, entries, canonical bytes, diffs
# ==================================================================================================

def test_bonus_rule_123_history_is_committed_canonical_and_its_diffs_replay(grown):
    vault, b = grown["vault"], grown["cp_b"]
    seq_of = {a["eventId"]: a["seq"] for a in grown["acks_a"] + grown["acks_b"]}
    submitted = [json.loads(r) for r in grown["records"]]
    expected = [r for r in submitted if r["entity"] == {"type": "bonusRule", "id": "123"}]
    assert len(expected) >= 3, "test data should hold several versions of bonusRule 123"

    versions = vault.history("bonusRule", "123")
    assert [v["eventId"] for v in versions] == [r["eventId"] for r in expected], \
        "history must list exactly the stored records of bonusRule 123, oldest first"
    assert [v["version"] for v in versions] == list(range(1, len(expected) + 1))

    doc = {}
    salts = set()
    for v, original in zip(versions, expected):
        assert v["seq"] == seq_of[v["eventId"]]
        entry_raw, record_raw, salt = b64d(v["entry"]), b64d(v["record"]), b64d(v["salt"])
        entry = parse_entry(entry_raw)
        check_record_entry(entry, v["seq"])
        assert b64d(v["leafHash"]) == leaf_hash(entry_raw)
        assert salt, "empty salt"
        salts.add(salt)
        assert sha256(salt + record_raw) == entry.commitment, \
            f"version {v['version']}: SHA-256(salt || record) != commitment in the entry"
        # The evidence is the log's own leaf, proven into the latest signed checkpoint.
        assert b64d(vault.entry(v["seq"])["entry"]) == entry_raw
        proof = [b64d(h) for h in vault.prove_inclusion(v["seq"])["hashes"]]
        assert verify_inclusion(v["seq"], b.size, leaf_hash(entry_raw), proof, b.root)

        record = json.loads(record_raw.decode("utf-8"))
        assert record["entity"] == {"type": "bonusRule", "id": "123"}
        assert record["eventId"] == v["eventId"]
        # Canonical bytes: RFC 8785 of the submitted record (our JCS formats numbers the ES6 way, so the
        # comparison also holds for floats), and a plain sorted compact dump agrees for these records.
        assert record_raw == jcs_bytes(original), "record bytes are not the JCS form of the submitted record"
        assert record_raw == json.dumps(record, sort_keys=True, separators=(",", ":"),
                                        ensure_ascii=False).encode("utf-8")
        for field in ("stream", "occurredAt", "actor", "action", "reason"):
            if field in original:
                assert v[field] == original[field], f"history {field} differs from the record"
        assert millis_from_timestamp(v["recordedAt"]) == entry.recorded_at

        if v["version"] == 1:
            assert v["diff"] == [{"op": "add", "path": "", "value": record["state"]}]
        doc = jsonpatch.apply_patch(doc, v["diff"])
        assert jcs(doc) == jcs(record["state"]), f"version {v['version']}: diffs do not replay to the state"
    assert len(salts) == len(versions), "salts repeat across versions"


def test_history_of_an_unknown_entity_fails_with_a_message(grown):
    proc = grown["vault"].history("bonusRule", "no-such-rule-999", check=False)
    assert proc.returncode != 0
    assert proc.stderr.strip(), "no message on stderr"
    assert not proc.stdout.strip()


# ==================================================================================================
# 5. Idempotent re-append and all-or-nothing refusal
# ==================================================================================================

def test_reappending_the_same_file_acknowledges_duplicates_and_does_not_grow_the_log(make_vault, generate):
    records = generate(25, 3)
    vault = make_vault("independent-verify.test/idempotent")
    first = parse_acks(vault.append_lines(records[:20], "batch.jsonl").stdout)
    cp1 = parse_checkpoint(vault.checkpoint())
    assert cp1.size == POLICY_ENTRIES + 20
    again = parse_acks(vault.append_file(vault.data.parent / "batch.jsonl").stdout)
    assert [a["seq"] for a in again] == [a["seq"] for a in first] == list(range(POLICY_ENTRIES, POLICY_ENTRIES + 20))
    assert [a["eventId"] for a in again] == [event_id(r) for r in records[:20]]
    assert all(a.get("duplicate") is True for a in again), again
    cp2 = parse_checkpoint(vault.checkpoint())
    assert (cp2.size, cp2.root) == (cp1.size, cp1.root), "re-appending stored records changed the tree"

    # Mixed input: stored records keep their original seqs, new ones get the next ones.
    mixed = parse_acks(vault.append_lines(records[10:25], "mixed.jsonl").stdout)
    assert [a["seq"] for a in mixed] == list(range(POLICY_ENTRIES + 10, POLICY_ENTRIES + 25))
    assert [a.get("duplicate", False) for a in mixed] == [True] * 10 + [False] * 5
    cp3 = parse_checkpoint(vault.checkpoint())
    assert cp3.size == POLICY_ENTRIES + 25 and checkpoint_verifies(cp3, parse_verifier_key(vault.keys_public().rstrip("\n")))
    old, new = POLICY_ENTRIES + 20, POLICY_ENTRIES + 25
    proof = [b64d(h) for h in vault.prove_consistency(old, new)["hashes"]]
    assert verify_consistency(old, new, cp1.root, cp3.root, proof)


def _malformed(stored, fresh):
    return b'{"eventId":"evt-broken","stream":"audit.change","entity":{"type":'


def _missing_actor(stored, fresh):
    rec = json.loads(fresh)
    del rec["actor"]
    return json.dumps(rec).encode()


def _reused_event_id(stored, fresh):
    rec = json.loads(stored)
    rec["actor"]["id"] = rec["actor"]["id"] + "-someone-else"
    return json.dumps(rec).encode()


def _unknown_field(stored, fresh):
    rec = json.loads(fresh)
    rec["unexpectedField"] = "x"
    return json.dumps(rec).encode()


def _wrong_type(stored, fresh):
    rec = json.loads(fresh)
    rec["action"] = 42
    return json.dumps(rec).encode()


@pytest.mark.parametrize("bad_line, field", [
    (_malformed, None),
    (_missing_actor, "actor"),
    (_reused_event_id, "eventId"),
    (_unknown_field, None),
    (_wrong_type, None),
], ids=["malformed-json", "missing-actor", "reused-event-id-other-content", "unknown-field", "wrong-type"])
def test_refused_input_exits_65_names_line_3_and_stores_nothing(make_vault, generate, bad_line, field):
    records = generate(25, 3)
    stored, fresh = records[:20], records[20:]
    vault = make_vault("independent-verify.test/refusal")
    vault.append_lines(stored, "stored.jsonl")
    before = vault.checkpoint()
    assert parse_checkpoint(before).size == POLICY_ENTRIES + 20

    lines = [fresh[0], fresh[1], bad_line(stored[5], fresh[4]), fresh[2], fresh[3]]
    proc = vault.append_lines(lines, "bad.jsonl", check=False)
    stderr = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == EX_DATAERR, f"exit {proc.returncode}, stderr: {stderr}"
    refusals = [line for line in stderr.splitlines() if line.startswith("refused: ")]
    assert refusals, f"no 'refused: line N: ...' on stderr: {stderr!r}"
    assert all(line.startswith("refused: line 3: ") for line in refusals), \
        f"only line 3 is wrong, stderr: {stderr!r}"
    if field is not None:
        assert any(line.startswith(f"refused: line 3: field {field}: ") for line in refusals), \
            f"expected 'refused: line 3: field {field}: reason', stderr: {stderr!r}"
    assert not parse_acks(proc.stdout), f"acknowledged records of a refused input: {proc.stdout!r}"
    assert vault.checkpoint() == before, "checkpoint changed after a refused append"

    # Nothing of the refused input was stored: its valid lines are new records with the next seqs.
    good = parse_acks(vault.append_lines([fresh[0], fresh[1], fresh[2], fresh[3]], "good.jsonl").stdout)
    assert [a["seq"] for a in good] == [POLICY_ENTRIES + n for n in (20, 21, 22, 23)]
    assert not any(a.get("duplicate", False) for a in good), good


# ==================================================================================================
# 6. The audit trail: every version proved against one signed checkpoint, checked here
# ==================================================================================================

def test_audit_trail_proves_every_version_of_bonus_rule_123_against_its_signed_checkpoint(small):
    vault, key = small["vault"], small["key"]
    proc = vault.run("audit", "--data", vault.data, "--entity", "bonusRule", "--id", "123")
    trail = json.loads(proc.stdout)
    assert trail["entity"] == {"type": "bonusRule", "id": "123"}
    cp = parse_checkpoint(trail["checkpoint"].encode("utf-8"))
    assert checkpoint_verifies(cp, key), "the audit's checkpoint must verify with the vault's key"
    history = vault.history("bonusRule", "123")
    assert [c["seq"] for c in trail["changes"]] == [h["seq"] for h in history]
    assert [c["version"] for c in trail["changes"]] == list(range(1, len(history) + 1))
    for change in trail["changes"]:
        entry = b64d(change["entry"])
        proof = change["inclusion"]
        assert proof["treeSize"] == cp.size and proof["index"] == change["seq"]
        assert b64d(proof["leafHash"]) == leaf_hash(entry)
        hashes = [b64d(h) for h in proof["hashes"]]
        assert verify_inclusion(change["seq"], cp.size, leaf_hash(entry), hashes, cp.root)
        assert parse_entry(entry).commitment == sha256(b64d(change["salt"]) + b64d(change["record"]))
        if hashes:
            assert not verify_inclusion(change["seq"], cp.size, leaf_hash(entry), [flip(hashes[0])] + hashes[1:], cp.root)
