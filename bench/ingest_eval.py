"""How well `partnerkb ingest` reads articles: recall and precision against a ground truth of ours.

    .venv/bin/python bench/ingest_eval.py                 # the six articles of ../shared
    .venv/bin/python bench/ingest_eval.py --truth FILE --shared DIR --json

For each article of the truth file (bench/ingest_truth.json) the proposal is made against the
shipped store, as `partnerkb ingest FILE --published DAY --outlet NAME --dry-run` makes it, and
compared with what the article reports:

- events: a proposed event matches a true one when their dates overlap and they share a key
  entity (a stored id, or a new entity's name) — each true event matched at most once, the
  closest date first; recall = matched / true events, precision = matched / proposed events;
- dates exactly right: of the matched events, those whose EDTF date is the true one;
- participants: over matched events, (entity, part) pairs — found with the right entity, and with
  the right part too;
- stored entities recognised: of the stored entities each article names, those the proposal
  lists with their id (for namesakes: proposed as ambiguous between them, never one of them);
- time: the median wall time of `partnerkb ingest --dry-run` as a whole process, per article;
- robustness: an empty file, a binary file, 10 MB of text and a page with no article must end
  with exit code 0 or 2 and one line, never a traceback.

Targets (issue 12): event recall >= 90 %, precision >= 80 %, dates right >= 90 %, stored entities
100 %, < 2 s an article. Exit code 1 if one is missed. This is an evaluation, not a timed test.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from partnerkb.ingest.article import read_source  # noqa: E402
from partnerkb.ingest.proposal import Options, propose  # noqa: E402
from partnerkb.store import read_store, shipped_store_path  # noqa: E402
from partnerkb.textfold import fold  # noqa: E402

Json = dict[str, Any]
PARTNERKB = str(Path(sys.executable).parent / "partnerkb")
TARGETS = {"event_recall": 0.9, "event_precision": 0.8, "dates_right": 0.9, "stored_entities": 1.0}


def keys_of(event: Json) -> set[str]:
    """Every entity a proposed event involves: stored ids and 'name:' + name for new ones."""
    out: set[str] = set()
    items = [*event.get("participants", []), *event.get("organizations", [])]
    if event.get("place"):
        items.append(event["place"])
    for item in items:  # by id, and by name (what was new may be stored since)
        if item.get("id"):
            out.add(item["id"])
        out.add(f"name:{fold(item['name'])}")
        for candidate in item.get("candidates") or []:
            out.add(candidate)
    for name in [event.get("title") or "", *event.get("topics", [])]:
        if name:
            out.add(f"name:{fold(name)}")
    return out


def true_key(key: str) -> str:
    return f"name:{fold(key[5:])}" if key.startswith("name:") else key


def bounds(edtf: str) -> tuple[str, str]:
    from partnerkb.dates import edtf_bounds

    start, end = edtf_bounds(edtf)
    return (start.isoformat() if start else "", end.isoformat() if end else "9999")


def overlaps(a: str, b: str) -> bool:
    (a0, a1), (b0, b1) = bounds(a), bounds(b)
    return a0 <= b1 and b0 <= a1


def shares_key(true: Json, keys: set[str]) -> bool:
    wanted = {true_key(k) for k in true["key"]}
    if any(k in keys for k in wanted):
        return True
    # a new thing named in the title: "name:kharibulbul international music festival"
    return any(k.startswith("name:") and any(k[5:] in other for other in keys) for k in wanted)


def evaluate_article(article: Json, shared: Path, tables: Json) -> Json:
    path = shared / article["file"]
    published = date.fromisoformat(article["published"]) if article["published"] else None
    started = time.perf_counter()
    proposal = propose(read_source(str(path)), tables, Options(published, article["outlet"]))
    elapsed = time.perf_counter() - started
    proposed = proposal["events"]
    unmatched = list(range(len(proposed)))
    matches: list[tuple[Json, Json]] = []
    for true in article["events"]:
        candidates = [
            i for i in unmatched
            if proposed[i]["date"] and overlaps(proposed[i]["date"]["edtf"], true["date"])
            and shares_key(true, keys_of(proposed[i]))
        ]  # fmt: skip
        if not candidates:
            continue
        best = min(
            candidates,
            key=lambda i: (
                proposed[i]["date"]["edtf"] != true["date"],
                proposed[i]["kind"] != true["kind"],
            ),
        )
        unmatched.remove(best)
        matches.append((true, proposed[best]))
    dates_right = sum(1 for t, p in matches if p["date"]["edtf"] == t["date"])
    kinds_right = sum(1 for t, p in matches if p["kind"] == t["kind"])
    true_pairs = found_entity = found_part = proposed_pairs = 0
    for true, event in matches:
        parts: dict[str, str] = {}
        for p in event["participants"]:
            for key in [p["id"], f"name:{fold(p['name'])}", *(p.get("candidates") or [])]:
                parts[key] = p.get("part") or ""
        proposed_pairs += len(event["participants"])
        for key, part in true["participants"].items():
            true_pairs += 1
            key = true_key(key)
            if key in parts:
                found_entity += 1
                found_part += parts[key] == part
    listed = {e["id"] for e in proposal["entities"] if e.get("id")}
    ambiguous = [{c["id"] for c in e.get("candidates") or []} for e in proposal["entities"]
                 if e["status"] == "ambiguous"]  # fmt: skip
    stored_found = 0
    missed = []
    for wanted in article["stored"]:
        if isinstance(wanted, list):
            ok = set(wanted) in ambiguous
        else:
            ok = wanted in listed
        stored_found += ok
        if not ok:
            missed.append(wanted)
    return {
        "file": article["file"],
        "true_events": len(article["events"]),
        "proposed_events": len(proposed),
        "matched": len(matches),
        "dates_right": dates_right,
        "kinds_right": kinds_right,
        "true_participants": true_pairs,
        "participants_found": found_entity,
        "parts_right": found_part,
        "proposed_participants": proposed_pairs,
        "stored": len(article["stored"]),
        "stored_found": stored_found,
        "stored_missed": missed,
        "unmatched_true": [
            f"{t['kind']} {t['date']}"
            for t in article["events"]
            if all(t is not m[0] for m in matches)
        ],  # fmt: skip
        "unmatched_proposed": [
            f"{proposed[i]['kind']} {(proposed[i]['date'] or {}).get('edtf')}" for i in unmatched
        ],  # fmt: skip
        "seconds_in_process": round(elapsed, 3),
    }


def time_process(path: Path, article: Json, runs: int) -> float:
    """Median wall time of the whole command, as a user runs it."""
    command = [PARTNERKB, "ingest", str(path), "--outlet",
               article["outlet"], "--dry-run", "--format", "json",
               "--db", str(shipped_store_path())]  # fmt: skip
    if article["published"]:
        command += ["--published", article["published"]]
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True, cwd=ROOT)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def robustness() -> list[Json]:
    """Odd inputs end with exit code 0 or 2 and one line, never a traceback."""
    out = []
    with tempfile.TemporaryDirectory() as folder:
        cases = {
            "empty file": b"",
            "binary file": bytes(range(256)) * 64,
            "10 MB of text": b"The minister met the envoy in the capital on Monday.\n\n" * 200_000,
            "page with no article": b"<html><body><nav>Home | News | Contact</nav></body></html>",
        }  # fmt: skip
        for name, content in cases.items():
            path = Path(folder) / name.replace(" ", "-")
            path.write_bytes(content)
            command = [PARTNERKB, "ingest", str(path), "--outlet",
                       "X", "--published", "2024-01-01", "--dry-run", "--format", "json",
                       "--db", str(shipped_store_path())]  # fmt: skip
            started = time.perf_counter()
            result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
            out.append({
                "input": name, "exit_code": result.returncode,
                "message": result.stderr.strip().splitlines()[0] if result.stderr.strip() else "",
                "seconds": round(time.perf_counter() - started, 2),
                "ok": result.returncode in (0, 2) and "Traceback" not in result.stderr,
            })  # fmt: skip
    return out


def ratio(a: int, b: int) -> float:
    return a / b if b else 1.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--truth", type=Path, default=ROOT / "bench" / "ingest_truth.json")
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--runs", type=int, default=3, help="process runs per article (median)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    truth = json.loads(args.truth.read_text(encoding="utf-8"))
    if not (args.shared / truth["articles"][0]["file"]).exists():
        print(f"the articles are not in {args.shared}: give --shared", file=sys.stderr)
        return 2
    tables = read_store(shipped_store_path()).tables
    rows = [evaluate_article(a, args.shared, tables) for a in truth["articles"]]
    for row, article in zip(rows, truth["articles"], strict=True):
        row["seconds_process"] = round(time_process(args.shared / article["file"], article,
                                                   args.runs), 2)  # fmt: skip
    total = {k: sum(r[k] for r in rows) for k in rows[0] if isinstance(rows[0][k], int)}
    figures = {
        "event_recall": ratio(total["matched"], total["true_events"]),
        "event_precision": ratio(total["matched"], total["proposed_events"]),
        "dates_right": ratio(total["dates_right"], total["matched"]),
        "kinds_right": ratio(total["kinds_right"], total["matched"]),
        "participant_recall": ratio(total["participants_found"], total["true_participants"]),
        "participant_precision": ratio(
            total["participants_found"], total["proposed_participants"]
        ),  # fmt: skip
        "parts_right": ratio(total["parts_right"], total["participants_found"]),
        "stored_entities": ratio(total["stored_found"], total["stored"]),
        "slowest_article_seconds": max(r["seconds_process"] for r in rows),
    }
    checks = robustness()
    report = {"figures": figures, "articles": rows, "robustness": checks}
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(
            "| article | events true/proposed/matched | dates right | participants found "
            "(part right)/true | stored found | s (process) |"
        )
        print("|---|---|---|---|---|---|")
        for r in rows:
            print(f"| {Path(r['file']).name[:40]} | {r['true_events']}/{r['proposed_events']}/"
                  f"{r['matched']} | {r['dates_right']} | {r['participants_found']} "
                  f"({r['parts_right']})/{r['true_participants']} | {r['stored_found']}/"
                  f"{r['stored']} | {r['seconds_process']} |")  # fmt: skip
        print()
        for name, value in figures.items():
            target = TARGETS.get(name)
            mark = "" if target is None else (" ok" if value >= target else " MISSED")
            shown = f"{value:.2f} s" if name.endswith("seconds") else f"{value:.0%}"
            print(f"- {name}: {shown}" + (f" (target {target:.0%}){mark}" if target else ""))
        for r in rows:
            if r["unmatched_true"] or r["unmatched_proposed"] or r["stored_missed"]:
                print(
                    f"- {Path(r['file']).name}: missed {r['unmatched_true']}, extra "
                    f"{r['unmatched_proposed']}, stored missed {r['stored_missed']}"
                )
        for c in checks:
            print(
                f"- {c['input']}: exit {c['exit_code']} in {c['seconds']} s, "
                f"{'ok' if c['ok'] else 'FAILED'}: {c['message']}"
            )
    missed = [n for n, t in TARGETS.items() if figures[n] < t]
    slow = figures["slowest_article_seconds"] >= 2.0
    return 1 if missed or slow or not all(c["ok"] for c in checks) else 0


if __name__ == "__main__":
    sys.exit(main())
