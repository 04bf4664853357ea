#!/usr/bin/env python3
"""docs/events.md, the catalogue of event kinds, generated from the two places that decide them:
ledger/event.capnp (each kind, its fields, their types, annotations and comments) and the table
of event kinds in projections/event_kinds.cc (who may record each, its stream, its chronology
category, whether it is significant, whether it carries a third party's information).

    tools/events_doc.py            print the catalogue
    tools/events_doc.py --write    write docs/events.md
    tools/events_doc.py --check    exit 1 when docs/events.md is not what this writes (a test)
"""
import re
import sys
from pathlib import Path

TOP = Path(__file__).resolve().parent.parent
SCHEMA = TOP / "ledger" / "event.capnp"
KINDS = TOP / "projections" / "event_kinds.cc"
OUT = TOP / "docs" / "events.md"

ROLE_WORDS = {
    "kAdmin": "admin", "kHelpdesk": "helpdesk", "kTriageManager": "triage manager",
    "kCoordinator": "coordinator", "kAuditor": "auditor", "kDashboard": "dashboard",
}
PRACTITIONER_WORDS = {
    "kNone": None,
    "kTeam": "practitioners on the family's team (the keyworker or a TAF member)",
    "kKeyworker": "the keyworker of the family's open episode",
    "kAnyFamily": "any practitioner, about any family (a concern passed on)",
}
STREAM_WORDS = {
    "kFamilyStream": "`family/<id>`", "kPractitionerStream": "`practitioner/<id>`",
    "kAccessStream": "`access`",
}
SIGNIFICANCE_WORDS = {"kAlways": "always", "kNever": "no", "kAsMarked": "as the entry is marked"}
THIRD_PARTY_WORDS = {"kNo": "no", "kYes": "yes", "kWhenSupplied": "when it names the agency that supplied it"}
ANNOTATION_WORDS = {
    "date": "a day, YYYY-MM-DD (Europe/London)",
    "id": "an id: 1-64 of A-Z a-z 0-9 - _",
    "jsonText": "any JSON value (kept as its JSON text)",
    "sha256": "64 lowercase hex digits",
    "mediaType": "a media type, type/subtype",
    "accessView": "the name of a view",
}


def parse_schema(text):
    """Structs {name: {"doc": [...], "fields": [...]}} and enums {name: [(value, doc)]}, and the
    Event union's members [(section, kind, type, doc)]."""
    lines = text.split("\n")
    structs, enums, union = {}, {}, []
    pending_doc = []
    i = 0
    while i < len(lines):
        line = lines[i]
        m = re.match(r"^(struct|enum) (\w+) \{", line)
        if m:
            kind, name = m.groups()
            i += 1
            members = []
            section = ""
            in_union = False
            while not re.match(r"^\}", lines[i]):
                body = lines[i].strip()
                if body.startswith("union {"):
                    in_union = True
                elif body == "}":
                    in_union = False
                elif body.startswith("# --"):
                    section = body.strip("# -").strip()
                elif body.startswith("#") and members:
                    members[-1]["doc"].append(body.lstrip("#").strip())
                else:
                    fm = re.match(r"^(\w+) @(\d+)\s*(?::\s*([\w()]+))?\s*((?:\$[\w(\"\)]+\s*)*);", body)
                    if fm:
                        fname, ordinal, ftype, annotations = fm.groups()
                        members.append({
                            "name": fname, "ordinal": int(ordinal), "type": ftype,
                            "annotations": re.findall(r"\$(\w+)", annotations or ""),
                            "superseded": "supersededBy" in (annotations or ""),
                            "doc": [], "section": section, "union": in_union,
                        })
                i += 1
            if kind == "struct":
                structs[name] = {"doc": pending_doc, "fields": members}
                if name == "Event":
                    union = [(f["section"], f["name"], f["type"], f["doc"]) for f in members if f["union"]]
            else:
                enums[name] = [(f["name"], f["doc"]) for f in members]
            pending_doc = []
        elif line.startswith("#") and not line.startswith("# ----"):
            pending_doc.append(line.lstrip("#").strip())
        else:
            pending_doc = []
        i += 1
    return structs, enums, union


def parse_kinds(text):
    """{type: {...}} from the CASELEDGER_ROW lines of the table of event kinds."""
    kinds = {}
    for m in re.finditer(
            r'CASELEDGER_ROW\((\w+),\s*"(\w+)",\s*(\w+),\s*\{([^}]*)\},\s*(\w+),\s*(\w+),\s*(\w+),\s*"(\w*)",\s*(\w+)\);',
            text):
        _, type_, stream, roles, practitioners, by_ledger, third, category, significance = m.groups()
        kinds[type_] = {
            "stream": stream, "roles": [r.strip() for r in roles.split(",") if r.strip()],
            "practitioners": practitioners, "by_ledger": by_ledger == "true",
            "third_party": third, "category": category, "significance": significance,
        }
    return kinds


def type_words(ftype, enums, structs):
    m = re.match(r"List\((\w+)\)", ftype or "")
    if m:
        return "list of " + type_words(m.group(1), enums, structs)
    if ftype in enums:
        return "one of " + ", ".join("`%s`" % v for v, _ in enums[ftype])
    if ftype == "Sealed":
        return "text, personal data (sealed)"
    if ftype in structs:
        return "`%s` (below)" % ftype
    return {"Text": "text", "Bool": "true or false", "UInt64": "a whole number", "UInt32": "a whole number",
            "Int64": "a whole number", "Data": "bytes"}.get(ftype, ftype)


def field_rows(struct, enums, structs):
    rows = []
    for f in struct["fields"]:
        if f["superseded"]:
            continue  # written by earlier builds only: read as its successor
        what = type_words(f["type"], enums, structs)
        extra = [ANNOTATION_WORDS[a] for a in f["annotations"] if a in ANNOTATION_WORDS]
        if extra:
            what += "; " + "; ".join(extra)
        needed = "optional" if "optional" in f["annotations"] else "required"
        rows.append("| `%s` | %s | %s | %s |" % (f["name"], what, needed, " ".join(f["doc"]).replace("|", "\\|")))
    return rows


def recorded_by(kind):
    if kind["by_ledger"]:
        return "the ledger itself (never in a request)"
    who = [ROLE_WORDS[r] for r in kind["roles"]]
    practitioners = PRACTITIONER_WORDS[kind["practitioners"]]
    if practitioners:
        who.insert(0, practitioners)
    return "; ".join(who)


def render(structs, enums, union, kinds):
    out = [
        "# The event catalogue",
        "",
        "<!-- Generated by tools/events_doc.py from ledger/event.capnp and projections/event_kinds.cc;",
        "     do not edit: change those two and run tools/events_doc.py --write (a test checks). -->",
        "",
        "Every action on a record is one immutable event in the log. This is every kind: what it",
        "means, which stream it goes to, who may record it (docs/api.md \"Roles\"; the ledger refuses",
        "anyone else), where the chronology shows it, and the fields of its `data`, as a request",
        "gives them (`POST /v1/families/{id}/events`, `POST /v1/practitioners/{id}/events`, or a",
        "line of `caseledger import`) and as every read answers them. A field is required unless",
        "it says optional; a request with a field not listed here is refused naming it. Personal",
        "data (sealed) is stored encrypted under the family's own key and reads `[erased]` once",
        "the family is erased (docs/DATA-PROTECTION.md). What each kind does to the record, and the",
        "rules that refuse it, are in docs/domain.md.",
        "",
        "Every event also carries, besides its `data`: `eventId` (a UUID the client chooses: a",
        "retry with the same id appends nothing), `type` (the kind, below) and `occurredAt` (when",
        "it happened, RFC 3339); the ledger adds `seq`, `stream`, `version`, `recordedAt`, `actor`",
        "and `leafHash`.",
        "",
        "| kind | stream | recorded by | chronology category | significant |",
        "| --- | --- | --- | --- | --- |",
    ]
    for _, name, _, _ in union:
        k = kinds[name]
        out.append("| [`%s`](#%s) | %s | %s | %s | %s |" % (
            name, name.lower(), STREAM_WORDS[k["stream"]], recorded_by(k), k["category"] or "–",
            SIGNIFICANCE_WORDS[k["significance"]] if k["stream"] == "kFamilyStream" else "–"))
    shown_structs = set()
    section = None
    for sec, name, stype, doc in union:
        if sec != section:
            section = sec
            heading = sec[0].upper() + sec[1:] if sec.startswith("the ") else "Kinds in " + sec
            out += ["", "## " + heading.replace("<id>", "&lt;id&gt;"), ""]
        k = kinds[name]
        out += ["### %s" % name, "", " ".join(doc), ""]
        facts = ["Stream: %s." % STREAM_WORDS[k["stream"]], "Recorded by: %s." % recorded_by(k)]
        if k["stream"] == "kFamilyStream":
            facts.append("Chronology category: %s; significant: %s; third party's information: %s." % (
                k["category"] or "(a case note's own)", SIGNIFICANCE_WORDS[k["significance"]],
                THIRD_PARTY_WORDS[k["third_party"]]))
        out += [" ".join(facts), ""]
        struct = structs[stype]
        rows = field_rows(struct, enums, structs)
        if rows:
            out += ["| field | what | | meaning |", "| --- | --- | --- | --- |"] + rows + [""]
        else:
            out += ["No data: `{}`.", ""]
        for f in struct["fields"]:
            inner = re.sub(r"List\((\w+)\)", r"\1", f["type"] or "")
            if inner in structs and inner not in ("Sealed",) and inner not in shown_structs:
                shown_structs.add(inner)
                out += ["`%s`:" % inner, "", "| field | what | | meaning |", "| --- | --- | --- | --- |"]
                out += field_rows(structs[inner], enums, structs) + [""]
    return "\n".join(out).rstrip("\n") + "\n"


def main():
    structs, enums, union = parse_schema(SCHEMA.read_text())
    kinds = parse_kinds(KINDS.read_text())
    missing = [name for _, name, _, _ in union if name not in kinds]
    if missing or len(kinds) != len(union):
        sys.exit("events_doc: the schema's kinds and the table's differ: %s" % (missing or sorted(kinds)))
    text = render(structs, enums, union, kinds)
    if "--write" in sys.argv:
        OUT.write_text(text)
    elif "--check" in sys.argv:
        if not OUT.exists() or OUT.read_text() != text:
            sys.exit("docs/events.md is not current: run tools/events_doc.py --write and commit it")
        print("docs/events.md is current: %d kinds" % len(union))
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
