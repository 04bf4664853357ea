#!/usr/bin/env python3
"""The crash test: acknowledged appends survive SIGKILL, exactly once, in order.

`caseledger serve --demo` on a free port, then several client threads append case notes,
concerns and triage directions over HTTP (fresh UUID eventIds, expectedVersion "any", some
requests with 2-3 events) while a reader thread reads families' chronologies. Each client
records every acknowledged request (201, or 200 for a retry) with the seqs it was given and
keeps every unacknowledged one (connection refused or reset, a timeout, 503) to send again,
byte for byte, with the same eventIds. The server is killed with SIGKILL at random moments
and restarted without --demo on the same folder; now and then it is also stopped cleanly so
that later starts load a saved overview and fold only the events after it.

After the last cycle the clients drain their retries and stop; then every acknowledged event
must be in the log exactly once, at its acknowledged seq and stream; seqs run 1..N with no gap
and no eventId twice; every event after the demo is one the clients sent or a read's
recordViewed; every answered read has its recordViewed; the access index answers what the
log holds; `caseledger verify` passes (beside the server every few cycles, and at the end
with it stopped); and the inbox, the overdue list, the timescale counts, a few families'
states and chronologies answer the same before and after `caseledger replay` rebuilds the
overview (and as of the same seq, folded from the first event).

Usage: crash_test.py CASELEDGER_BINARY SOURCE_DIR [--cycles N] [--clients N] [--seed S] [--keep]
Python 3 standard library only. Exit 0 when everything holds, 1 naming what failed.
"""
import argparse
import datetime
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid

HOST = "127.0.0.1"
HOT_FAMILIES = ["F1", "F2", "G1", "G2"]  # a third of the requests, so clients collide
MAX_PENDING = 3  # a client's unacknowledged requests; beyond it, it only retries
ALL_FAMILIES = ["F1", "F2"] + ["G%d" % i for i in range(1, 61)]
READ_FAMILIES = ["F1", "F2", "G1", "G2"]  # read by the reader thread
NOTE_CATEGORIES = ["contact", "meeting", "practitionerUpdate", "familyUpdate", "progress",
                   "letterSent", "other"]


class Failure(Exception):
    """The test failed; the message says what was lost, duplicated or refused."""


def free_port():
    s = socket.socket()
    s.bind((HOST, 0))
    port = s.getsockname()[1]
    s.close()
    return port


def now_rfc3339(minus_seconds=0):
    t = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=minus_seconds)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def tail(path, lines=30):
    try:
        with open(path, "rb") as f:
            return b"".join(f.readlines()[-lines:]).decode("utf-8", "replace")
    except OSError as e:
        return "(cannot read %s: %s)" % (path, e)


class Server:
    """One `caseledger serve` process at a time on the same data folder; each start logs to
    its own file serve-NNNN.log in the work dir."""

    def __init__(self, binary, top, work):
        self.binary, self.top, self.work = binary, top, work
        self.data = os.path.join(work, "data")
        self.port = free_port()
        self.proc = None
        self.starts = 0
        self.log = None
        self.opened_size = None  # the event count the last start opened the ledger with
        self.lock = threading.Lock()

    def address(self):
        with self.lock:
            return HOST, self.port

    def start(self, demo=False):
        for _ in range(3):
            self.starts += 1
            self.log = os.path.join(self.work, "serve-%04d.log" % self.starts)
            cmd = [self.binary, "--data", self.data, "serve", "--listen",
                   "%s:%d" % (HOST, self.port)]
            if demo:
                cmd += ["--demo", "--fixtures", os.path.join(self.top, "fixtures")]
            with open(self.log, "wb") as out:
                self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out,
                                             stderr=subprocess.STDOUT)
            size = self._wait_up(120 if demo else 60)
            if size is not None:
                with open(self.log, "rb") as f:
                    head = f.read(1 << 16).decode("utf-8", "replace")
                opened = re.findall(r"opened the ledger in .*?: (\d+) events", head)
                self.opened_size = int(opened[-1]) if opened else size
                return
            if self.proc.poll() is not None and "cannot listen" in tail(self.log):
                with self.lock:
                    self.port = free_port()  # someone took the port between two starts
                continue
            raise Failure("the server (start %d) did not answer /healthz:\n%s"
                          % (self.starts, tail(self.log)))
        raise Failure("the server could not listen on three ports in a row")

    def _wait_up(self, seconds):
        """The log's size at the first 200 from /healthz; None if it died or never answered."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                status, answer = http_json(self.address(), "GET", "/healthz", timeout=2)
                if status == 200:
                    return answer["size"]
            except (OSError, http.client.HTTPException, ValueError):
                pass
            time.sleep(0.05)
        return None

    def kill(self):
        if self.proc.poll() is not None:
            raise Failure("the server (start %d) exited by itself with status %s:\n%s"
                          % (self.starts, self.proc.returncode, tail(self.log)))
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        """SIGTERM, as an operator stops it; returns the exit status (SIGKILL after 30 s)."""
        if self.proc.poll() is not None:
            return "nothing: it had already exited with status %s" % self.proc.returncode
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.kill()
            return "did not stop within 30 s of SIGTERM"

    def run_tool(self, *args):
        """caseledger --data DIR ARGS...: (exit status, output)."""
        p = subprocess.run([self.binary, "--log-level", "warn", "--data", self.data, *args],
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=600)
        return p.returncode, p.stdout.decode("utf-8", "replace")


def http_json(address, method, path, token=None, body=None, timeout=10, conn=None):
    """One request; (status, parsed JSON body or None). Raises OSError/HTTPException when no
    answer came."""
    own = conn is None
    if own:
        conn = http.client.HTTPConnection(*address, timeout=timeout)
    headers = {}
    if token:
        headers["Authorization"] = "Bearer " + token
    if body is not None:
        headers["Content-Type"] = "application/json"
    try:
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
    finally:
        if own:
            conn.close()
    try:
        return resp.status, json.loads(data) if data else None
    except ValueError:
        return resp.status, {"unparsed": data[:300].decode("utf-8", "replace")}


class Request:
    """One append request, sent again unchanged until it is acknowledged."""

    def __init__(self, family, events, concerns=()):
        self.family = family
        self.events = events
        self.event_ids = [e["eventId"] for e in events]
        self.concerns = concerns  # concern ids it records (directed later, once acknowledged)
        self.body = json.dumps({"expectedVersion": "any", "events": events}).encode()
        self.attempts = 0


class Harness:
    """What the threads share: the failures, the counts, the stop flag."""

    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.failures = []
        self.counts = {}
        self.max_acked_seq = 0
        self.stopping = threading.Event()  # clients: no new requests, drain the retries
        self.clients = []
        self.reader = None

    def fail(self, message):
        with self.lock:
            self.failures.append(message)

    def failed(self):
        with self.lock:
            return bool(self.failures)

    def count(self, name, n=1):
        with self.lock:
            self.counts[name] = self.counts.get(name, 0) + n

    def get(self, name):
        with self.lock:
            return self.counts.get(name, 0)


class Client(threading.Thread):
    """Appends as one actor. `acked` maps eventId -> (seq, stream, type, answer status)."""

    def __init__(self, harness, server, index, token, role, families, seed):
        super().__init__(name="client-%d" % index, daemon=True)
        self.h, self.server, self.index = harness, server, index
        self.token, self.role, self.families = token, role, families
        self.rng = random.Random(seed)
        self.pending = []
        self.acked = {}
        self.open_concerns = []  # (family, concernId) acknowledged and not yet directed
        self.sent = 0
        self.conn = None

    def run(self):
        while not self.h.failed():
            if self.h.stopping.is_set():
                if not self.pending:
                    break
                req = self.rng.choice(self.pending)
            elif self.pending and (len(self.pending) >= MAX_PENDING or self.rng.random() < 0.5):
                req = self.rng.choice(self.pending)
            else:
                req = self.new_request()
                self.pending.append(req)
                self.sent += 1
            self.send(req)
        if self.conn:
            self.conn.close()

    def new_request(self):
        family = self.rng.choice(HOT_FAMILIES if self.rng.random() < 0.3 else self.families)
        if self.role == "practitioner":
            family = self.families[0]
        r = self.rng.random()
        if self.role == "triage-manager" and self.open_concerns and r < 0.1:
            family, concern = self.open_concerns.pop(self.rng.randrange(len(self.open_concerns)))
            return Request(family, [self.event("triageDirectionGiven", {
                "concernId": concern, "direction": "Crash test: keyworker to follow up."})])
        if self.role == "triage-manager" and r < 0.25:
            concern = "CT-" + uuid.uuid4().hex[:16]
            above = self.rng.random() < 0.2
            # Only a concern below the threshold is directed (concern-routing).
            return Request(family, [self.event("concernReceived", {
                "concernId": concern, "source": self.rng.choice(["police", "school", "health"]),
                "kind": "crashTest", "summary": "Crash test concern.",
                "aboveThreshold": above})], [] if above else [concern])
        n = 1 if r < 0.7 else (2 if r < 0.9 else 3)
        return Request(family, [self.event("caseNoteAdded", {
            "episodeId": "E1", "noteId": "N-" + uuid.uuid4().hex[:20],
            "category": self.rng.choice(NOTE_CATEGORIES),
            "text": "Crash test note from client %d." % self.index,
            "significant": self.rng.random() < 0.1}) for _ in range(n)])

    def event(self, kind, data):
        return {"eventId": str(uuid.uuid4()), "type": kind,
                "occurredAt": now_rfc3339(self.rng.randrange(0, 3600)), "data": data}

    def send(self, req):
        req.attempts += 1
        if req.attempts > 1:
            self.h.count("retries")
        try:
            if self.conn is None:
                self.conn = http.client.HTTPConnection(*self.server.address(), timeout=5)
            status, answer = http_json(None, "POST", "/v1/families/%s/events" % req.family,
                                       self.token, req.body, conn=self.conn)
        except (OSError, http.client.HTTPException) as e:
            self.conn.close()
            self.conn = None
            kind = ("refused" if isinstance(e, ConnectionRefusedError) else
                    "timeout" if isinstance(e, socket.timeout) else "reset")
            self.h.count("no answer: " + kind)
            time.sleep(self.rng.uniform(0.02, 0.1))
            return
        if status == 503:
            self.h.count("503")
            time.sleep(self.rng.uniform(0.02, 0.1))
            return
        if status not in (200, 201):
            self.h.fail("client %d: POST /v1/families/%s/events (attempt %d) answered %d: %s"
                        % (self.index, req.family, req.attempts, status,
                           json.dumps(answer)[:500]))
            self.pending.remove(req)
            return
        self.acknowledge(req, status, answer)

    def acknowledge(self, req, status, answer):
        got = [e.get("eventId") for e in (answer or {}).get("events", [])]
        if got != req.event_ids:
            self.h.fail("client %d: an append to %s answered %d with eventIds %s, sent %s"
                        % (self.index, req.family, status, got, req.event_ids))
            self.pending.remove(req)
            return
        if status == 200 and req.attempts == 1:
            self.h.fail("client %d: a first attempt with new eventIds %s answered 200 "
                        "(already appended)" % (self.index, req.event_ids))
        seqs = [e["seq"] for e in answer["events"]]
        if seqs != sorted(seqs) or len(set(seqs)) != len(seqs):
            self.h.fail("client %d: one request's events got seqs %s" % (self.index, seqs))
        for e, sent in zip(answer["events"], req.events):
            self.acked[e["eventId"]] = (e["seq"], "family/" + req.family, sent["type"], status)
        with self.h.lock:
            self.h.max_acked_seq = max(self.h.max_acked_seq, seqs[-1])
        self.h.count("acknowledged 201" if status == 201 else "acknowledged 200 (retry)")
        self.h.count("acknowledged events", len(seqs))
        if req.attempts > 1:
            self.h.count("requests acknowledged after a retry")
        self.open_concerns += [(req.family, c) for c in req.concerns]
        self.pending.remove(req)


class Reader(threading.Thread):
    """Reads families' chronologies as the triage manager; counts the answered (200) reads
    per family, each of which must have left a recordViewed in the log."""

    def __init__(self, harness, server, token, seed):
        super().__init__(name="reader", daemon=True)
        self.h, self.server, self.token = harness, server, token
        self.rng = random.Random(seed)
        self.answered = {}

    def run(self):
        while not self.h.failed() and not self.h.stopping.is_set():
            family = self.rng.choice(READ_FAMILIES)
            try:
                status, answer = http_json(self.server.address(), "GET",
                                           "/v1/families/%s/chronology" % family, self.token,
                                           timeout=5)
            except (OSError, http.client.HTTPException):
                time.sleep(0.05)
                continue
            if status == 200:
                self.answered[family] = self.answered.get(family, 0) + 1
                self.h.count("reads answered")
            elif status != 503:
                self.h.fail("reader: GET /v1/families/%s/chronology answered %d: %s"
                            % (family, status, json.dumps(answer)[:300]))
            time.sleep(self.rng.uniform(0.05, 0.15))


def load_tokens(data):
    tokens = {}
    with open(os.path.join(data, "demo-tokens.env")) as f:
        for line in f:
            m = re.match(r"export CASELEDGER_([A-Z_]+)_TOKEN=(\S+)", line)
            if m:
                tokens[m.group(1).lower().replace("_", "-")] = m.group(2)
    return tokens


def get(server, path, token):
    status, answer = http_json(server.address(), "GET", path, token, timeout=30)
    if status != 200:
        raise Failure("GET %s answered %d: %s" % (path, status, json.dumps(answer)[:500]))
    return answer


def read_log(server, auditor, size):
    """The feed's events 1..size (as the auditor), checking that the seqs run without a gap."""
    events, after = [], 0
    while after < size:
        page = get(server, "/v1/events?after=%d&limit=1000" % after, auditor)["events"]
        if not page:
            raise Failure("the feed ended at seq %d; /healthz said size %d" % (after, size))
        for e in page:
            if e["seq"] != after + 1:
                raise Failure("the feed jumps from seq %d to seq %d: a gap" % (after, e["seq"]))
            after = e["seq"]
            if after <= size:
                events.append(e)
    return events


def check_log(h, server, tokens, demo_size):
    """Every acknowledged event exactly once, where it was acknowledged; no stranger."""
    size = get(server, "/healthz", None)["size"]
    log = read_log(server, tokens["auditor"], size)
    by_id = {}
    for e in log:
        if e["eventId"] in by_id:
            h.fail("eventId %s appears twice: seqs %d and %d"
                   % (e["eventId"], by_id[e["eventId"]]["seq"], e["seq"]))
        by_id[e["eventId"]] = e
    acked = {}
    for c in h.clients:
        acked.update(c.acked)
    lost = []
    for eid, (seq, stream, kind, status) in sorted(acked.items(), key=lambda kv: kv[1][0]):
        e = by_id.get(eid)
        if e is None:
            lost.append("%s (acknowledged %d at seq %d in %s)" % (eid, status, seq, stream))
        elif (e["seq"], e["stream"], e["type"]) != (seq, stream, kind):
            h.fail("eventId %s was acknowledged at seq %d in %s (%s) but is at seq %d in %s "
                   "(%s)" % (eid, seq, stream, kind, e["seq"], e["stream"], e["type"]))
    if lost:
        h.fail("%d acknowledged events are not in the log: %s" % (len(lost), ", ".join(lost[:20])))
    strangers = [e for e in log[demo_size:]
                 if e["eventId"] not in acked and e["type"] != "recordViewed"]
    if strangers:
        h.fail("%d events after the demo were never acknowledged to a client (the drain should "
               "have acknowledged every request sent): first seq %d eventId %s"
               % (len(strangers), strangers[0]["seq"], strangers[0]["eventId"]))
    # Every answered read left its recordViewed (there may be more: a read whose answer was
    # lost in a kill is recorded all the same).
    for family, n in sorted(h.reader.answered.items()):
        logged = sum(1 for e in log if e["type"] == "recordViewed" and e["actor"]["id"] == "TM1"
                     and e["data"].get("familyId") == family
                     and e["data"].get("view") == "chronology")
        if logged < n:
            h.fail("%d chronology reads of %s were answered but the access log holds %d"
                   % (n, family, logged))
    return size, log, len(acked)


def check_access_index(h, server, tokens, log):
    """/v1/audit/access answers exactly the recordViewed events of the log, per family."""
    for family in READ_FAMILIES:
        want = [e["seq"] for e in log
                if e["type"] == "recordViewed" and e["data"].get("familyId") == family]
        got, after = [], 0
        while True:
            page = get(server, "/v1/audit/access?familyId=%s&after=%d&limit=1000"
                       % (family, after), tokens["auditor"])
            seqs = [a["seq"] for a in page["accesses"]]
            got += [s for s in seqs if s <= log[-1]["seq"]]
            if not seqs or page.get("next") is None or seqs[-1] > log[-1]["seq"]:
                break
            after = page["next"]
        if got != want:
            h.fail("the access index of %s lists %d reads, the log holds %d (first difference "
                   "near seq %s)" % (family, len(got), len(want),
                                     next((a for a, b in zip(got + [None], want + [None])
                                           if a != b), "?")))


def projection_views(server, tokens, on, size):
    """The answers that must not change when the overview is rebuilt."""
    au = tokens["auditor"]
    views = {
        "timescales": get(server, "/v1/reports/timescales?on=%s" % on, au),
        "overdue": get(server, "/v1/reports/overdue?on=%s" % on, au),
        "inbox": get(server, "/v1/triage/inbox", au),
    }
    for family in ["F1", "F2", "G1"]:
        views["state " + family] = get(server, "/v1/families/%s?asOfSeq=%d" % (family, size), au)
        views["chronology " + family] = get(
            server, "/v1/families/%s/chronology?asOfSeq=%d" % (family, size), au)
    return views


def without_as_of(view):
    return {k: v for k, v in view.items() if k != "asOfSeq"}


def check_projections(h, server, tokens, on, size):
    """Live answers, after the crashes, against the same after `caseledger replay`."""
    before = projection_views(server, tokens, on, size)
    for name in ["timescales", "overdue", "inbox"]:
        if before[name]["asOfSeq"] < size:
            h.fail("the live %s stands at seq %d, behind the log's %d events"
                   % (name, before[name]["asOfSeq"], size))
    status = server.stop()
    if status != 0:
        h.fail("the server exited %s on SIGTERM, expected 0" % status)
    code, out = server.run_tool("replay")
    if code != 0:
        raise Failure("caseledger replay exited %d: %s" % (code, out[-2000:]))
    server.start()
    after = projection_views(server, tokens, on, size)
    for name in before:
        if name.startswith(("state", "chronology")):
            same = before[name] == after[name]
        else:
            same = without_as_of(before[name]) == without_as_of(after[name])
        if not same:
            h.fail("%s differs after caseledger replay:\n  before %s\n  after  %s"
                   % (name, json.dumps(before[name])[:800], json.dumps(after[name])[:800]))
    # The same views as of the seq the live answers stood at, folded from the first event.
    au = tokens["auditor"]
    for name, path in [("timescales", "/v1/reports/timescales?on=%s&" % on),
                       ("overdue", "/v1/reports/overdue?on=%s&" % on),
                       ("inbox", "/v1/triage/inbox?")]:
        folded = get(server, path + "asOfSeq=%d" % before[name]["asOfSeq"], au)
        if folded != before[name]:
            h.fail("%s as of seq %d folded from the first event differs from the live answer:"
                   "\n  live   %s\n  folded %s" % (name, before[name]["asOfSeq"],
                                                   json.dumps(before[name])[:800],
                                                   json.dumps(folded)[:800]))
    return before


def verify(h, server, when):
    code, out = server.run_tool("verify")
    h.count("verify runs")
    if code != 0:
        h.fail("caseledger verify %s exited %d: %s" % (when, code, out[-2000:]))


def start_clients(h, server, rng):
    """The demo ledger, its tokens and the threads, running; (tokens, demo size)."""
    server.start(demo=True)
    tokens = load_tokens(server.data)
    demo_size = get(server, "/healthz", None)["size"]
    for i in range(h.args.clients):
        # One practitioner (P1 may write only F1, and folds F1 on each append: slow as it
        # grows); the others alternate triage manager and coordinator, across all families.
        role = ("practitioner" if i == 2 else "triage-manager" if i % 2 == 0 else "coordinator")
        families = ["F1"] if role == "practitioner" else ALL_FAMILIES
        h.clients.append(Client(h, server, i + 1, tokens[role], role, families,
                                rng.getrandbits(64)))
    h.reader = Reader(h, server, tokens["triage-manager"], rng.getrandbits(64))
    for t in h.clients + [h.reader]:
        t.start()
    return tokens, demo_size


def crash_cycles(h, server, rng, started):
    """Runs, SIGKILLs and restarts the server; every 7th cycle also a clean stop (SIGTERM),
    which saves the overview that later starts load. Returns the number of clean stops."""
    clean = 0
    for cycle in range(1, h.args.cycles + 1):
        time.sleep(rng.uniform(0.2, 2.0))
        if h.failed():
            break
        with h.lock:
            acked_seq = h.max_acked_seq
        server.kill()
        h.count("kills")
        server.start()
        if server.opened_size < acked_seq:
            h.fail("cycle %d: seq %d was acknowledged before SIGKILL but the ledger reopened "
                   "with %d events" % (cycle, acked_seq, server.opened_size))
            break
        if cycle % h.args.verify_every == 0:
            verify(h, server, "beside the server after kill %d" % cycle)
        if cycle % 7 == 0 and cycle < h.args.cycles:
            time.sleep(rng.uniform(0.1, 0.5))
            status = server.stop()
            if status != 0:
                h.fail("cycle %d: the server exited %s on SIGTERM, expected 0" % (cycle, status))
            clean += 1
            server.start()
        if h.args.progress and cycle % h.args.progress == 0:
            print("cycle %d/%d: %d events acknowledged, %d retries, %.0f s"
                  % (cycle, h.args.cycles, h.get("acknowledged events"), h.get("retries"),
                     time.monotonic() - started), flush=True)
    return clean


def drain(h):
    """Stops new requests and waits (60 s at most) until every client's retries are answered."""
    h.stopping.set()
    deadline = time.monotonic() + 60
    for t in h.clients + [h.reader]:
        t.join(max(0.1, deadline - time.monotonic()))
    stuck = [c.index for c in h.clients if c.is_alive() or (c.pending and not h.failed())]
    if stuck:
        raise Failure("clients %s still had unacknowledged requests 60 s after the last cycle"
                      % stuck)


def run(h, server):
    """The whole test; returns the summary, or None when a client or a cycle already failed
    (h.failures says why)."""
    rng = random.Random(h.args.seed)
    started = time.monotonic()
    on = datetime.date.today().isoformat()  # fixed for the before/after comparisons
    tokens, demo_size = start_clients(h, server, rng)
    clean = crash_cycles(h, server, rng, started)
    drain(h)
    if h.failed():
        return None
    size, log, acked = check_log(h, server, tokens, demo_size)
    check_access_index(h, server, tokens, log)
    verify(h, server, "beside the server after the last cycle")
    views = check_projections(h, server, tokens, on, size)
    status = server.stop()
    if status != 0:
        h.fail("the server exited %s on its last SIGTERM, expected 0" % status)
    verify(h, server, "with the server stopped")
    return {
        "cycles": h.args.cycles, "kills": h.get("kills"), "clean restarts": clean,
        "clients": h.args.clients, "requests sent": sum(c.sent for c in h.clients),
        "acknowledged events": acked,
        "answers lost, event durable (200 on retry)": h.get("acknowledged 200 (retry)"),
        "requests acknowledged after a retry": h.get("requests acknowledged after a retry"),
        "retry attempts": h.get("retries"), "reads answered": h.get("reads answered"),
        "events in the log": size, "demo events": demo_size,
        "inbox concerns": len(views["inbox"]["inbox"]),
        "referrals": len(views["inbox"]["childProtectionReferrals"]),
        "verify runs": h.get("verify runs"), "seconds": round(time.monotonic() - started, 1),
    }


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog="Every acknowledged event must survive, once, in place.")
    p.add_argument("binary", help="the caseledger binary")
    p.add_argument("top", help="the source folder (for fixtures/)")
    p.add_argument("--cycles", type=int, default=20, help="SIGKILL cycles (default 20)")
    p.add_argument("--clients", type=int, default=6, help="appending threads (default 6)")
    p.add_argument("--seed", type=int, default=None, help="the random seed (default: random)")
    p.add_argument("--verify-every", type=int, default=5,
                   help="run verify beside the server every N cycles (default 5)")
    p.add_argument("--progress", type=int, default=0, help="print a line every N cycles")
    p.add_argument("--keep", action="store_true", help="keep the work dir (kept on failure)")
    args = p.parse_args()
    args.binary = os.path.realpath(args.binary)
    if args.seed is None:
        args.seed = random.SystemRandom().randrange(1 << 32)
    if args.cycles < 1 or args.clients < 1 or args.verify_every < 1:
        p.error("--cycles, --clients and --verify-every must be at least 1")

    work = tempfile.mkdtemp(prefix="caseledger-crash-")
    print("crash test: %d cycles, %d clients, seed %d, work dir %s"
          % (args.cycles, args.clients, args.seed, work), flush=True)
    h = Harness(args)
    server = Server(args.binary, args.top, work)
    summary = None
    try:
        summary = run(h, server)
        failures = list(h.failures)
    except Failure as e:
        failures = [str(e)] + list(h.failures)
    finally:
        h.stopping.set()
        if server.proc is not None and server.proc.poll() is None:
            server.proc.kill()  # whatever happened, no server is left running
            server.proc.wait()
    print("counts: " + json.dumps(dict(sorted(h.counts.items()))))
    if failures:
        for f in failures:
            print("FAIL: " + f, file=sys.stderr)
        logs = sorted(n for n in os.listdir(work) if n.startswith("serve-"))
        for name in logs[-2:]:
            print("--- last lines of %s:\n%s" % (name, tail(os.path.join(work, name))),
                  file=sys.stderr)
        print("the work dir is kept: %s (seed %d)" % (work, args.seed),
              file=sys.stderr)
        return 1
    print("crash test passed: " + json.dumps(summary))
    if args.keep:
        print("the work dir is kept: " + work)
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
