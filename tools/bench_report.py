#!/usr/bin/env python3
"""tools/bench_report.py: the figures of one tools/bench run, as a table and as JSON.

    bench_report.py --results DIR --out DIR --seconds S --elapsed S --smoke 0|1 --command TEXT

Reads what tools/bench left in --results, writes OUT/performance.json and the part of
OUT/PERFORMANCE.md between "<!-- bench:begin -->" and "<!-- bench:end -->" (the rest of the
file, written by hand, is kept; a missing file is made). Exits 1, saying which, when a figure
is missing or a run had errors: a benchmark that measured failures measured nothing.
"""
import argparse
import datetime
import json
import os
import pathlib
import platform
import re
import sys

BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"
problems = []


def load(results, name):
    path = results / name
    if not path.exists():
        problems.append(f"{name} is missing")
        return None
    text = path.read_text()
    if name.endswith(".json"):
        try:
            return json.loads(text)
        except ValueError:
            problems.append(f"{name} is not JSON")
            return None
    return text


def ms(value, unit):
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def parse_wrk(text, name):
    if text is None:
        return None
    rate = re.search(r"Requests/sec:\s+([0-9.]+)", text)
    lat = dict(re.findall(r"^\s+(50|99)%\s+([0-9.]+(?:us|ms|s))", text, re.M))
    if not rate or "50" not in lat or "99" not in lat:
        problems.append(f"{name}: wrk printed no rate or latency")
        return None
    def to_ms(v):
        m = re.match(r"([0-9.]+)(us|ms|s)", v)
        return ms(m.group(1), m.group(2))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    errors = (int(non2xx.group(1)) if non2xx else 0) + \
        (sum(int(x) for x in socket.groups()) if socket else 0)
    requests = re.search(r"(\d+) requests in", text)
    if errors:
        problems.append(f"{name}: {errors} requests failed")
    return {"per_s": float(rate.group(1)), "p50_ms": round(to_ms(lat["50"]), 2),
            "p99_ms": round(to_ms(lat["99"]), 2), "errors": errors,
            "requests": int(requests.group(1)) if requests else None}


def parse_pg_read(text, latencies, name="pg_read.txt"):
    if text is None:
        return None
    tps = re.search(r"tps = ([0-9.]+) \(without initial", text)
    if not tps:
        problems.append(f"{name}: pgbench printed no rate")
        return None
    failed = re.search(r"number of failed transactions: (\d+)", text)
    if failed and int(failed.group(1)):
        problems.append(f"{name}: {failed.group(1)} transactions failed")
    out = {"per_s": float(tps.group(1))}
    values = sorted(int(v) for v in (latencies or "").split() if v.isdigit())
    if values:
        out["p50_ms"] = round(values[len(values) // 2] / 1000, 2)
        out["p99_ms"] = round(values[min(len(values) - 1, int(len(values) * 0.99))] / 1000, 2)
    return out


def ratio(a, b):
    return round(a / b, 2) if a is not None and b else None


def machine():
    cpu = "unknown"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem = next(line.split()[1] for line in open("/proc/meminfo") if line.startswith("MemTotal"))
        mem = f"{int(mem) / 1024 / 1024:.0f} GiB"
    except (OSError, StopIteration):
        mem = "unknown"
    return {"cpus": os.cpu_count(), "cpu": cpu, "memory": mem,
            "kernel": platform.release(), "system": platform.platform()}


def main():
    ap = argparse.ArgumentParser()
    for opt in ("--results", "--out", "--seconds", "--elapsed", "--smoke", "--command"):
        ap.add_argument(opt, required=True)
    a = ap.parse_args()
    results, out = pathlib.Path(a.results), pathlib.Path(a.out)
    smoke = a.smoke == "1"

    workload = load(results, "workload.json")
    fsync = load(results, "fsync.json")
    fig = {}

    # 1: in-process durable appends
    fig1 = {}
    for n in (1, 8, 32):
        ours, pg = load(results, f"append_{n}.json"), load(results, f"pg_append_{n}.json")
        if not ours or not pg:
            continue
        for side in ("ledger", "raw"):
            if ours[side]["errors"] or ours[side]["events"] == 0:
                problems.append(f"append_{n}: {side}: {ours[side]['errors']} errors, "
                                f"{ours[side]['events']} events ({ours[side]['first_error']})")
        if pg["failed"] or pg["events"] == 0:
            problems.append(f"pg_append_{n}: {pg['failed']} failed, {pg['events']} events")
        limit = n * fsync["per_s"] if fsync else None
        fig1[n] = {
            "ledger_per_s": ours["ledger"]["per_s"],
            "ledger_requests_per_s": ours["ledger"]["requests_per_s"],
            "raw_per_s": ours["raw"]["per_s"], "raw_requests_per_s": ours["raw"]["requests_per_s"],
            "postgres_per_s": pg["per_s"], "postgres_requests_per_s": pg["requests_per_s"],
            "vs_raw": ratio(ours["ledger"]["per_s"], ours["raw"]["per_s"]),
            "vs_postgres": ratio(ours["ledger"]["per_s"], pg["per_s"]),
            "physical_limit_requests_per_s": limit,
            "of_physical_limit": ratio(ours["ledger"]["requests_per_s"], limit),
            "requests_per_batch": ours["requests_per_batch"],
            "cpu_us_per_append": ours["ledger"]["cpu_us_per_append"],
            "raw_cpu_us_per_append": ours["raw"]["cpu_us_per_append"],
        }
    fig["1_appends_in_process"] = fig1

    # 2: over HTTP
    http = load(results, "http.json")
    if http:
        bad = {s: n for s, n in http["statuses"].items() if s not in ("200", "201")}
        if bad or http["run"]["events"] == 0:
            problems.append(f"http: answers other than 201: {bad} ({http['run']['first_error']})")
        pg32 = fig1.get(32, {}).get("postgres_per_s")
        fig["2_appends_http"] = {
            "ledger_per_s": http["run"]["per_s"], "requests_per_s": http["run"]["requests_per_s"],
            "p50_ms": http["p50_ms"], "p99_ms": http["p99_ms"], "postgres_per_s": pg32,
            "vs_postgres": ratio(http["run"]["per_s"], pg32)}

    # 3: chronology reads, beside two PostgreSQL peers: the bare select (postgres_*, the keys
    # of the first runs) and the fair peer (postgres_fair_*), which inserts an access_log row in
    # the same transaction, durably, as the ledger appends its access record before answering.
    ours = parse_wrk(load(results, "wrk_read.txt"), "wrk_read.txt")
    pg = parse_pg_read(load(results, "pg_read.txt"), load(results, "pg_read_latencies_us.txt"))
    fair = parse_pg_read(load(results, "pg_read_fair.txt"),
                         load(results, "pg_read_fair_latencies_us.txt"), "pg_read_fair.txt") or {}
    rows = load(results, "pg_access_log_rows.txt")
    if fair and rows is not None and int(rows.strip() if rows.strip().isdigit() else 0) == 0:
        problems.append("pg_access_log_rows.txt: the fair peer recorded no access_log rows")
    chron = load(results, "b100_chronology.json")
    if ours and pg:
        entries = len(chron.get("entries", [])) if isinstance(chron, dict) else None
        fig["3_chronology_reads"] = {
            "ledger_per_s": ours["per_s"], "ledger_p50_ms": ours["p50_ms"],
            "ledger_p99_ms": ours["p99_ms"], "postgres_per_s": pg["per_s"],
            "postgres_p50_ms": pg.get("p50_ms"), "postgres_p99_ms": pg.get("p99_ms"),
            "vs_postgres": ratio(ours["per_s"], pg["per_s"]), "entries_read": entries,
            "postgres_fair_per_s": fair.get("per_s"), "postgres_fair_p50_ms": fair.get("p50_ms"),
            "postgres_fair_p99_ms": fair.get("p99_ms"),
            "vs_postgres_fair": ratio(ours["per_s"], fair.get("per_s"))}

    # 4, 5, 6, 7: the ledgers of growing size
    scan = load(results, "scan.json")
    replay = load(results, "replay.txt")
    m = re.search(r"replayed (\d+) events in ([0-9.]+) s", replay or "")
    if scan and m:
        per_s = int(m.group(1)) / float(m.group(2))
        fig["4_replay"] = {"events": int(m.group(1)), "ledger_per_s": round(per_s, 1),
                           "raw_scan_per_s": scan["per_s"], "vs_raw": ratio(per_s, scan["per_s"])}
    elif replay is not None:
        problems.append("replay.txt: no 'replayed N events in S s'")
    verify, sha = load(results, "verify.json"), load(results, "sha256.txt")
    sha_m = re.search(r"^sha256\s+([0-9.]+)k", sha or "", re.M)
    if scan and verify and sha_m:
        event_bytes = scan["bytes"] / max(scan["events"], 1)
        sha_per_s = float(sha_m.group(1)) * 1000 / event_bytes
        per_s = scan["events"] / verify["seconds"]
        fig["5_verify"] = {"events": scan["events"], "ledger_per_s": round(per_s, 1),
                           "event_bytes_mean": round(event_bytes, 1),
                           "sha256_alone_per_s": round(sha_per_s, 1),
                           "vs_sha256": ratio(per_s, sha_per_s)}
    elif sha is not None and not sha_m:
        problems.append("sha256.txt: openssl speed printed no sha256 rate")
    sizes = sorted(int(p.stem.split("_")[1]) for p in results.glob("startup_*.json"))
    if len(sizes) < 2:
        problems.append("start-up was timed at fewer than two sizes")
    starts = {}
    for size in sizes:
        s, imp = load(results, f"startup_{size}.json"), load(results, f"import_{size}.json")
        starts[s["events"]] = {"first_start_s": s["first_start_s"], "start_s": s["start_s"],
                               "peak_rss_mib": round(s["peak_rss_kib"] / 1024, 1),
                               "import_per_s": round(imp["events"] / imp["seconds"], 1)}
    if starts:
        small, large = min(starts), max(starts)
        fig["6_startup"] = {"by_events": starts,
                            "growth": ratio(starts[large]["start_s"], starts[small]["start_s"])}
    rss = load(results, "rss_http.json")
    if rss and starts:
        large = max(starts)
        fig["7_peak_rss"] = {"under_figures_2_and_3_mib": round(rss["peak_rss_kib"] / 1024, 1),
                             "with_events": large,
                             "serving_largest_mib": starts[large]["peak_rss_mib"]}

    goals = []
    def goal(name, value, target, met):
        goals.append({"goal": name, "value": value, "target": target,
                      "met": None if value is None else bool(met)})
    f1 = fig1.get(32, {})
    goal("1: 32 writers vs raw RocksDB", f1.get("vs_raw"), ">= 1.5", (f1.get("vs_raw") or 0) >= 1.5)
    goal("1: 32 writers vs PostgreSQL", f1.get("vs_postgres"), ">= 3",
         (f1.get("vs_postgres") or 0) >= 3)
    f2 = fig.get("2_appends_http", {})
    goal("2: HTTP vs PostgreSQL", f2.get("vs_postgres"), ">= 2", (f2.get("vs_postgres") or 0) >= 2)
    f3 = fig.get("3_chronology_reads", {})
    goal("3: chronology p99 (ms)", f3.get("ledger_p99_ms"), "< 10",
         (f3.get("ledger_p99_ms") or 1e9) < 10)
    goal("3: chronology vs PostgreSQL recording the read (fair)", f3.get("vs_postgres_fair"),
         ">= 2", (f3.get("vs_postgres_fair") or 0) >= 2)
    goal("3: chronology vs PostgreSQL's bare select", f3.get("vs_postgres"), ">= 1",
         (f3.get("vs_postgres") or 0) >= 1)
    f4 = fig.get("4_replay", {})
    goal("4: replay vs raw scan", f4.get("vs_raw"), ">= 0.5", (f4.get("vs_raw") or 0) >= 0.5)
    f5 = fig.get("5_verify", {})
    goal("5: verify vs SHA-256 alone", f5.get("vs_sha256"), ">= 0.5",
         (f5.get("vs_sha256") or 0) >= 0.5)
    f6 = fig.get("6_startup", {})
    goal("6: start-up growth, largest / smallest", f6.get("growth"), "flat (<= 1.5)",
         (f6.get("growth") or 1e9) <= 1.5)
    f7 = fig.get("7_peak_rss", {})
    peak = max(f7.get("under_figures_2_and_3_mib", 0), f7.get("serving_largest_mib", 0)) or None
    goal(f"7: peak RSS (MiB), {f7.get('with_events')} events", peak, "< 512", (peak or 1e9) < 512)

    report = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "command": a.command, "smoke": smoke, "seconds_per_run": float(a.seconds),
        "elapsed_s": int(a.elapsed), "machine": machine(),
        "disk_fsync_per_s": fsync["per_s"] if fsync else None, "workload": workload,
        "figures": fig, "goals": goals, "problems": problems}
    out.mkdir(parents=True, exist_ok=True)
    (out / "performance.json").write_text(json.dumps(report, indent=1) + "\n")
    write_markdown(out / "PERFORMANCE.md", report)
    for p in problems:
        print(f"bench: {p}", file=sys.stderr)
    print(json.dumps({"goals": goals, "problems": problems}, indent=1))
    return 1 if problems else 0


def n(v, digits=0):
    if v is None:
        return "—"
    return f"{v:,.{digits}f}"


def write_markdown(path, r):
    f, m = r["figures"], r["machine"]
    lines = [BEGIN, "",
             f"Run {r['date']} with `{r['command']}` ({r['elapsed_s']} s in all, each timed run "
             f"at most {r['seconds_per_run']:g} s{', SMOKE: tiny sizes, not figures' if r['smoke'] else ''}).",
             f"Machine: {m['cpus']} × {m['cpu']}, {m['memory']}, Linux {m['kernel']}; the disk "
             f"took {n(r['disk_fsync_per_s'])} fsyncs/s (4 KiB write + fdatasync).",
             f"Workload: `caseledger gen --families {r['workload']['families'] if r['workload'] else '?'}`"
             f" → {n((r['workload'] or {}).get('work_events'))} events in "
             f"{n((r['workload'] or {}).get('work_lines'))} requests "
             f"({(r['workload'] or {}).get('events_per_line')} events each, "
             f"{(r['workload'] or {}).get('event_json_bytes_mean')} bytes of JSON per event), "
             "the same for every system.", "",
             "**Figure 1: durable appends/s in-process** (events/s; a request is one import line)",
             "", "| writers | the ledger | RocksDB alone | PostgreSQL 15 | vs raw | vs PostgreSQL "
             "| of the physical limit | requests per sync | CPU µs per event |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for w, x in f.get("1_appends_in_process", {}).items():
        lines.append(f"| {w} | {n(x['ledger_per_s'])} | {n(x['raw_per_s'])} | "
                     f"{n(x['postgres_per_s'])} | {x['vs_raw']}× | {x['vs_postgres']}× | "
                     f"{x['of_physical_limit']} of {n(x['physical_limit_requests_per_s'])} | "
                     f"{x['requests_per_batch']} | {x['cpu_us_per_append']} (raw "
                     f"{x['raw_cpu_us_per_append']}) |")
    x = f.get("2_appends_http")
    if x:
        lines += ["", "**Figure 2: durable appends/s over HTTP, 32 connections**", "",
                  "| the ledger (`serve`) | p50 | p99 | PostgreSQL 15 (figure 1, 32) | ratio |",
                  "| --- | --- | --- | --- | --- |",
                  f"| {n(x['ledger_per_s'])} events/s ({n(x['requests_per_s'])} requests/s) | "
                  f"{x['p50_ms']} ms | {x['p99_ms']} ms | {n(x['postgres_per_s'])} | "
                  f"{x['vs_postgres']}× |"]
    x = f.get("3_chronology_reads")
    if x:
        lines += ["", "**Figure 3: chronology reads, a 100-event family, 32 connections**", "",
                  "| | reads/s | p50 | p99 |", "| --- | --- | --- | --- |",
                  f"| the ledger (`GET .../chronology`, wrk) | {n(x['ledger_per_s'])} | "
                  f"{x['ledger_p50_ms']} ms | {x['ledger_p99_ms']} ms |",
                  f"| PostgreSQL 15, fair: `insert into access_log` + the `select` in one "
                  f"transaction, `synchronous_commit=on` (pgbench) | "
                  f"{n(x.get('postgres_fair_per_s'))} | {x.get('postgres_fair_p50_ms')} ms | "
                  f"{x.get('postgres_fair_p99_ms')} ms |",
                  f"| PostgreSQL 15, bare: `select ... order by occurred_at` (pgbench) | "
                  f"{n(x['postgres_per_s'])} | {x['postgres_p50_ms']} ms | {x['postgres_p99_ms']} ms |",
                  f"| ratio, the ledger / fair | {x.get('vs_postgres_fair')}× | | |",
                  f"| ratio, the ledger / bare | {x['vs_postgres']}× | | |"]
    lines += ["", "**Figures 4 to 7: ledgers of growing size**", "", "| figure | the ledger | "
              "beside | ratio |", "| --- | --- | --- | --- |"]
    x = f.get("4_replay")
    if x:
        lines.append(f"| 4: replay, every projection, {n(x['events'])} events | "
                     f"{n(x['ledger_per_s'])} events/s | raw RocksDB scan {n(x['raw_scan_per_s'])} "
                     f"events/s | {x['vs_raw']}× |")
    x = f.get("5_verify")
    if x:
        lines.append(f"| 5: verify, {n(x['events'])} events | {n(x['ledger_per_s'])} events/s | "
                     f"SHA-256 alone over {x['event_bytes_mean']} bytes: "
                     f"{n(x['sha256_alone_per_s'])} events/s | {x['vs_sha256']}× |")
    x = f.get("6_startup")
    if x:
        for events, s in sorted(x["by_events"].items(), key=lambda kv: int(kv[0])):
            lines.append(f"| 6: start-up to the first answered inbox read, {n(int(events))} events "
                         f"| {s['start_s']} s (first start after import: {s['first_start_s']} s) "
                         f"| import {n(s['import_per_s'])} events/s | |")
        lines.append(f"| 6: growth, largest / smallest | {x['growth']}× | flat | |")
    x = f.get("7_peak_rss")
    if x:
        lines.append(f"| 7: peak RSS of serve | {x['under_figures_2_and_3_mib']} MiB under figures 2 "
                     f"and 3; {x['serving_largest_mib']} MiB serving {n(x['with_events'])} events "
                     "(start and 32 readers) | | |")
    lines += ["", "**Goals** (the issue's, as ratios in this run)", "",
              "| goal | this run | target | met |", "| --- | --- | --- | --- |"]
    for g in r["goals"]:
        met = "—" if g["met"] is None else ("yes" if g["met"] else "**no**")
        lines.append(f"| {g['goal']} | {g['value']} | {g['target']} | {met} |")
    if r["problems"]:
        lines += ["", "Problems in this run: " + "; ".join(r["problems"])]
    lines += ["", END]
    block = "\n".join(lines)
    text = path.read_text() if path.exists() else \
        "# Performance\n\nWritten by `tools/bench` between the markers.\n\n"
    if BEGIN in text and END in text:
        text = text[:text.index(BEGIN)] + block + text[text.index(END) + len(END):]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(text)


if __name__ == "__main__":
    sys.exit(main())
