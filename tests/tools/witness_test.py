#!/usr/bin/env python3
"""The witness (C2SP tlog-witness v1, issue 22 item 1) against a real ledger, over HTTP.

`caseledger witness init` makes its key (mode 0600) once; `witness serve --log` cosigns the
ledger's checkpoint from old 0, answers 409 text/x.tlog.size with its size to a stale old,
cosigns the grown log with the ledger's own consistency proof, and refuses: a failing proof
(422, state unchanged), the same size with another root signed by the log's key (409, not
x.tlog.size), an unknown origin (404), a signature no trusted key made (403), old beyond the
size and a malformed body (400). Each cosignature is checked here with Python's cryptography
alone (the key id from type 0x04, the cosignature/v1 message, Ed25519), none of the project's
code; concurrent submissions never roll the state back; the state survives a restart.

    witness_test.py CASELEDGER_BINARY SOURCE_DIR
"""
import base64
import concurrent.futures
import hashlib
import json
import os
import socket
import stat
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

BIN, TOP = sys.argv[1], sys.argv[2]
WORK = tempfile.mkdtemp(prefix="caseledger-witness-")
DATA = os.path.join(WORK, "data")
WDIR = os.path.join(WORK, "witness")
NAME = "witness.example/w1"


def fail(what):
    print("FAIL: " + what, file=sys.stderr)
    sys.exit(1)


def cl(*args, check=True):
    r = subprocess.run([BIN, "--log-level", "warn", "--data", DATA] + list(args), capture_output=True, text=True)
    if check and r.returncode != 0:
        fail("caseledger %s: %s" % (" ".join(args), r.stderr))
    return r


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def post(port, body):
    req = urllib.request.Request("http://127.0.0.1:%d/add-checkpoint" % port, data=body.encode(), method="POST")
    try:
        with urllib.request.urlopen(req, timeout=10) as res:
            return res.status, res.headers.get("Content-Type", ""), res.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read().decode()


def get_latest(port):
    with urllib.request.urlopen("http://127.0.0.1:%d/checkpoint" % port, timeout=10) as res:
        return res.read().decode()


def body_of(note):
    return note[: note.index("\n\n") + 1]


def vkey_parts(vkey):
    name, hash_hex, b64 = vkey.split("+", 2)
    raw = base64.b64decode(b64)
    return name, hash_hex, raw


def check_cosignature(line, checkpoint_body, witness_vkey):
    """Verifies one cosignature line with nothing but the C2SP text and cryptography."""
    name, hash_hex, raw = vkey_parts(witness_vkey)
    if raw[0] != 0x04 or len(raw) != 33:
        fail("the witness's verifier key is not type 0x04: %r" % witness_vkey)
    key_id = hashlib.sha256(name.encode() + b"\n" + b"\x04" + raw[1:]).digest()[:4]
    if key_id.hex() != hash_hex:
        fail("the verifier key's hash is not SHA-256(name || \\n || 0x04 || key)[:4]")
    prefix = "\u2014 " + name + " "
    if not line.startswith(prefix) or not line.endswith("\n"):
        fail("not a cosignature line of %s: %r" % (name, line))
    sig = base64.b64decode(line[len(prefix):-1])
    if len(sig) != 4 + 8 + 64 or sig[:4] != key_id:
        fail("a cosignature is key id || 8-byte time || 64-byte signature: %d bytes" % len(sig))
    timestamp = int.from_bytes(sig[4:12], "big")
    if abs(timestamp - time.time()) > 300:
        fail("the cosignature's time %d is not now" % timestamp)
    message = b"cosignature/v1\ntime %d\n" % timestamp + checkpoint_body.encode()
    Ed25519PublicKey.from_public_bytes(raw[1:]).verify(sig[12:], message)  # raises if not valid
    return timestamp


def proof_lines(old, new):
    proof = json.loads(cl("prove", "consistency", "--from", str(old), "--to", str(new)).stdout)
    return "".join(base64.b64encode(bytes.fromhex(h)).decode() + "\n" for h in proof["hashes"])


def sign_as_log(body):
    """The body signed with the ledger's own key (a log that shows two histories)."""
    text = open(os.path.join(DATA, "checkpoint.key")).read().strip()
    _, _, name, hash_hex, b64 = text.split("+", 4)
    seed = base64.b64decode(b64)[1:]
    sig = Ed25519PrivateKey.from_private_bytes(seed).sign(body.encode())
    return body + "\n\u2014 %s %s\n" % (name, base64.b64encode(bytes.fromhex(hash_hex) + sig).decode())


def serve(vkey, port):
    log = open(os.path.join(WORK, "witness.log"), "a")
    p = subprocess.Popen([BIN, "witness", "serve", "--dir", WDIR, "--listen", "127.0.0.1:%d" % port, "--log", vkey],
                         stdout=log, stderr=log)
    for _ in range(100):
        try:
            post(port, "")
            return p
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.1)
    fail("the witness does not answer")


def main():
    # The witness's key: made once, mode 0600, never replaced.
    r = subprocess.run([BIN, "witness", "init", "--dir", WDIR, "--name", NAME], capture_output=True, text=True)
    if r.returncode != 0:
        fail("witness init: " + r.stderr)
    witness_vkey = [l.split(": ", 1)[1] for l in r.stdout.splitlines() if l.startswith("verifier key: ")][0]
    if stat.S_IMODE(os.stat(os.path.join(WDIR, "witness.key")).st_mode) != 0o600:
        fail("the witness key is not mode 600")
    before = open(os.path.join(WDIR, "witness.key")).read()
    r = subprocess.run([BIN, "witness", "init", "--dir", WDIR, "--name", NAME], capture_output=True, text=True)
    if r.returncode != 1 or open(os.path.join(WDIR, "witness.key")).read() != before:
        fail("a second witness init did not refuse, or replaced the key")

    cl("import", "--fixture", os.path.join(TOP, "fixtures", "demo", "01-practitioners.jsonl"))
    log_vkey = cl("key", "public").stdout.strip()
    first = cl("checkpoint").stdout
    size1 = int(first.split("\n")[1])
    port = free_port()
    witness = serve(log_vkey, port)
    try:
        # Unknown origin, bad signature, old beyond the size, malformed: nothing cosigned.
        status, _, _ = post(port, "old 0\n\n" + first.replace("caseledger\n", "another.example/log\n", 1))
        if status != 404:
            fail("an unknown origin: %d" % status)
        lines = first.split("\n")
        tampered = "\n".join([lines[0], lines[1], ("A" if lines[2][0] != "A" else "B") + lines[2][1:]] + lines[3:])
        status, _, _ = post(port, "old 0\n\n" + tampered)
        if status != 403:
            fail("a checkpoint its log did not sign: %d" % status)
        for bad in ["old %d\n\n%s" % (size1 + 1, first), "old 01\n\n" + first, "new 0\n\n" + first,
                    "old 0\nnot-base64!\n\n" + first, "old 0\n" + first, ""]:
            status, _, _ = post(port, bad)
            if status != 400:
                fail("a malformed body %r: %d" % (bad[:20], status))

        # The first checkpoint, from old 0: cosigned, checked here.
        status, _, answer = post(port, "old 0\n\n" + first)
        if status != 200:
            fail("the first checkpoint: %d %s" % (status, answer))
        check_cosignature(answer, body_of(first), witness_vkey)

        # A stale old: 409 with the size, as text/x.tlog.size.
        status, ctype, answer = post(port, "old 0\n\n" + first)
        if status != 409 or not ctype.startswith("text/x.tlog.size") or answer != "%d\n" % size1:
            fail("a stale old: %d %r %r" % (status, ctype, answer))

        # The log grows: cosigned with the ledger's own consistency proof.
        cl("import", "--fixture", os.path.join(TOP, "fixtures", "demo", "02-families.jsonl"))
        second = cl("checkpoint").stdout
        size2 = int(second.split("\n")[1])
        status, _, answer = post(port, "old %d\n%s\n%s" % (size1, proof_lines(size1, size2), second))
        if status != 200:
            fail("the grown log: %d %s" % (status, answer))
        check_cosignature(answer, body_of(second), witness_vkey)
        latest = get_latest(port)
        if not latest.startswith(body_of(second)) or answer not in latest:
            fail("GET /checkpoint is not the latest cosigned: " + latest)

        # Another history: a proof that fails (422), and the same size with another root (409).
        more = '{"stream":"family/F9","expectedVersion":0,"actor":{"id":"hd1","role":"helpdesk"},' \
               '"events":[{"eventId":"00000000-0000-4000-8000-0000000000f9","type":"familyRegistered",' \
               '"occurredAt":"2026-03-02T10:00:00Z","data":{"members":[{"memberId":"C1","role":"child","name":"Sam"}]}}]}\n'
        open(os.path.join(WORK, "more.jsonl"), "w").write(more)
        cl("import", os.path.join(WORK, "more.jsonl"))
        third = cl("checkpoint").stdout
        size3 = int(third.split("\n")[1])
        proof = proof_lines(size2, size3).split("\n")
        proof[0] = base64.b64encode(hashlib.sha256(b"not the tree").digest()).decode()
        status, _, answer = post(port, "old %d\n%s\n%s" % (size2, "\n".join(proof), third))
        if status != 422:
            fail("a failing consistency proof: %d %s" % (status, answer))
        if not get_latest(port).startswith(body_of(second)):
            fail("a refused checkpoint moved the state")
        b2 = body_of(second).split("\n")
        forged = sign_as_log("\n".join([b2[0], b2[1], base64.b64encode(hashlib.sha256(b"other").digest()).decode(), ""]))
        status, ctype, answer = post(port, "old %d\n\n%s" % (size2, forged))
        if status != 409 or ctype.startswith("text/x.tlog.size"):
            fail("the same size with another root: %d %r %s" % (status, ctype, answer))

        # Concurrent submissions of the next checkpoint: one state, never rolled back.
        body = "old %d\n%s\n%s" % (size2, proof_lines(size2, size3), third)
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            results = list(pool.map(lambda _: post(port, body), range(16)))
        ok = [r for r in results if r[0] == 200]
        stale = [r for r in results if r[0] == 409 and r[2] == "%d\n" % size3]
        if len(ok) != 1 or len(ok) + len(stale) != 16:
            fail("concurrent submissions: %s" % [r[0] for r in results])
        # And the old one again: refused as stale, the state stays at size3.
        status, _, answer = post(port, "old %d\n%s\n%s" % (size1, proof_lines(size1, size2), second))
        if status != 409 or answer != "%d\n" % size3:
            fail("an older checkpoint after a newer: %d %r" % (status, answer))
    finally:
        witness.terminate()
        witness.wait(10)

    # The state is kept across a restart.
    witness = serve(log_vkey, port)
    try:
        if not get_latest(port).startswith(body_of(third)):
            fail("the state was lost across a restart")
        status, _, answer = post(port, "old %d\n\n%s" % (size3, third))
        if status != 200:
            fail("the same checkpoint again after a restart: %d %s" % (status, answer))
        check_cosignature(answer, body_of(third), witness_vkey)
    finally:
        witness.terminate()
        witness.wait(10)
    print("witness test passed")


if __name__ == "__main__":
    main()
