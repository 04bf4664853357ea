#!/usr/bin/env python3
"""tools/bench_prep.py: the benchmark's workload from `caseledger gen` (tools/bench).

    bench_prep.py GEN_JSONL OUT_DIR

Writes into OUT_DIR, the same events for every system:
  setup.jsonl   import lines appended before any clock starts: the practitioners, and family
                B100 (a still-open gen family given new eventIds, then case notes up to 100
                events), the family the chronology reads use
  work.jsonl    every family line of the gen file (import lines, in order per family)
  http.tsv      the same events as HTTP requests: family, path, actor key, body (one line per
                request). Events the API takes only from a triage manager (a concern the
                helpdesk passed on, a step-up) go in their own request by TM-bench, the rest
                by the line's actor; expectedVersion follows
  actors.tsv    actor key, id, role: a token is made for each (tools/bench)
  pg_work.csv   id, stream, first version, events (a JSON array: eventId, type,
                occurredAt, data), one row per import line of work.jsonl
  pg_b100.csv   B100's events as PostgreSQL rows: stream, version, eventId, type,
                occurredAt, data
  stats.json    counts and sizes
"""
import csv
import json
import pathlib
import random
import sys
import uuid

TRIAGE_ONLY = {"triageDirectionGiven", "steppedUp", "concernReceived"}
B100 = "B100"
B100_EVENTS = 100


def new_uuid(rng):
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def make_b100(families, rng):
    """A still-open family copied under new eventIds, with notes up to B100_EVENTS events."""
    for lines in families.values():
        types = [e["type"] for line in lines for e in line["events"]]
        if "episodeClosed" not in types and "caseNoteAdded" in types and len(types) < B100_EVENTS:
            break
    else:
        raise SystemExit("bench_prep: no open family with a case note to copy for B100")
    out, version, note = [], 0, None
    for line in lines:
        line = json.loads(json.dumps(line))
        line["stream"] = "family/" + B100
        line["expectedVersion"] = version
        for e in line["events"]:
            e["eventId"] = new_uuid(rng)
            if e["type"] == "caseNoteAdded":
                note = line
        version += len(line["events"])
        out.append(line)
    last = max(e["occurredAt"] for line in out for e in line["events"])
    n = 0
    while version < B100_EVENTS:
        n += 1
        line = json.loads(json.dumps(note))
        line["expectedVersion"] = version
        e = line["events"][0]
        e["eventId"] = new_uuid(rng)
        e["occurredAt"] = last
        e["data"]["noteId"] = f"BN{n}"
        e["data"]["text"] = f"Bench note {n}: " + e["data"]["text"]
        version += 1
        out.append(line)
    return out


def http_requests(line):
    """One import line as HTTP requests: (actor key, actor, events)."""
    actor = line["actor"]
    runs = []
    for e in line["events"]:
        by = {"id": "TM-bench", "role": "triage-manager"} if e["type"] in TRIAGE_ONLY else actor
        if by["role"] == "triage-manager" and actor["role"] == "triage-manager":
            by = actor
        if runs and runs[-1][0] == by:
            runs[-1][1].append(e)
        else:
            runs.append((by, [e]))
    return runs


def main():
    gen_file, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(100)
    setup, families = [], {}
    for text in gen_file.read_text().splitlines():
        line = json.loads(text)
        if line["stream"].startswith("family/"):
            families.setdefault(line["stream"], []).append(line)
        else:
            setup.append(line)
    b100 = make_b100(families, rng)
    setup += b100

    def dump(line):
        return json.dumps(line, separators=(",", ":"), ensure_ascii=False)

    (out / "setup.jsonl").write_text("".join(dump(line) + "\n" for line in setup))
    work = [line for lines in families.values() for line in lines]
    (out / "work.jsonl").write_text("".join(dump(line) + "\n" for line in work))

    actors = {}
    with open(out / "http.tsv", "w") as http:
        for stream, lines in families.items():
            family = stream.split("/", 1)[1]
            version = 0
            for line in lines:
                for by, events in http_requests(line):
                    key = by["id"] + "." + by["role"]
                    actors[key] = by
                    body = dump({"expectedVersion": version, "events": events})
                    http.write(f"{family}\t/v1/families/{family}/events\t{key}\t{body}\n")
                    version += len(events)
    tm = {"id": "TM1", "role": "triage-manager"}
    actors.setdefault("TM1.triage-manager", tm)
    with open(out / "actors.tsv", "w") as f:
        for key, by in sorted(actors.items()):
            f.write(f"{key}\t{by['id']}\t{by['role']}\n")

    with open(out / "pg_work.csv", "w", newline="") as f:
        w = csv.writer(f)
        for i, line in enumerate(work, 1):
            events = [{k: e[k] for k in ("eventId", "type", "occurredAt", "data")}
                      for e in line["events"]]
            w.writerow([i, line["stream"], line["expectedVersion"] + 1, dump(events)])
    with open(out / "pg_b100.csv", "w", newline="") as f:
        w = csv.writer(f)
        for line in b100:
            for k, e in enumerate(line["events"]):
                w.writerow([line["stream"], line["expectedVersion"] + 1 + k, e["eventId"],
                            e["type"], e["occurredAt"], dump(e["data"])])

    events = sum(len(line["events"]) for line in work)
    sizes = [len(dump(e)) for line in work for e in line["events"]]
    stats = {
        "families": len(families),
        "work_lines": len(work),
        "work_events": events,
        "events_per_line": round(events / max(len(work), 1), 3),
        "event_json_bytes_mean": round(sum(sizes) / max(len(sizes), 1), 1),
        "setup_events": sum(len(line["events"]) for line in setup),
        "b100_events": sum(len(line["events"]) for line in b100),
        "http_requests": sum(1 for _ in open(out / "http.tsv")),
    }
    (out / "stats.json").write_text(json.dumps(stats, indent=1) + "\n")
    print(json.dumps(stats))


if __name__ == "__main__":
    main()
