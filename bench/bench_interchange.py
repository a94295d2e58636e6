"""Benchmark of interchange: importing the whole corpus, and exporting 100k events in each format.

- Import: `partnerkb import` of the corpus of US official travels and visits (7,535 rows, from
  ../shared/corpus) into an empty store with the shipped mapping, from the CSV and from the JSON
  Lines file, then the same import again (the idempotent case: nothing to write).
- Export: `partnerkb export --format F --output FILE` of a 100k-event store for every format,
  the formats interleaved run by run, each also as a multiple of jsonl (reading the store and
  writing its records: what no export goes below).

Every figure is a whole process (start-up, reading the store, the work, the atomic write), the
median of --runs runs. The 100k store comes from `bench/generate.py` (generated into
`bench/stores/` on first use); the benchmark only reads it. Results are printed and written to
`bench/results/interchange-<time>.json`.

    python bench/bench_interchange.py                      # corpus import, 100k exports
    python bench/bench_interchange.py --events 10k --runs 3
    python bench/bench_interchange.py --skip-export
    python bench/bench_interchange.py --skip-import --formats jsonl,ics,md,sqlite
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import DEFAULT_OUT, ensure_store, parse_size, size_label  # noqa: E402

RESULTS = HERE / "results"
PARTNERKB = str(Path(sys.executable).with_name("partnerkb"))
DEFAULT_CORPUS = HERE.parent.parent / "shared" / "corpus"
FORMATS = ("json", "jsonl", "csv", "xlsx", "md", "ics", "timelinejs", "ftm", "dot", "mermaid",
           "gexf", "graphml", "html", "sqlite")  # fmt: skip


def timed(
    args: list[str], *, refusal: str | None = None
) -> tuple[float, subprocess.CompletedProcess[str]]:
    """A whole process's wall time; `refusal`: an exit 2 whose message holds it is an answer
    (mermaid refuses graphs past Mermaid's size limit), not a failure."""
    started = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode == 2 and refusal and refusal in done.stderr:
        return elapsed, done
    if done.returncode != 0:
        raise SystemExit(f"failed ({done.returncode}): {' '.join(args)}\n{done.stderr}")
    return elapsed, done


def empty_store(path: Path) -> None:
    if path.exists():
        path.unlink()
    timed([PARTNERKB, "--db", str(path), "init"])


def bench_import(corpus: Path, runs: int, log: Any) -> list[dict[str, Any]]:
    results = []
    with tempfile.TemporaryDirectory() as folder:
        store = Path(folder) / "us.json"
        for name in ("us-official-travels.csv", "us-official-travels.jsonl"):
            source = corpus / name
            command = [PARTNERKB, "--db", str(store), "import", str(source),
                       "--mapping", "us-official-travels"]  # fmt: skip
            first, again = [], []
            summary = ""
            for _ in range(runs):
                empty_store(store)
                elapsed, done = timed(command)
                first.append(elapsed)
                summary = done.stderr.strip().splitlines()[-1]
                elapsed, _ = timed(command)
                again.append(elapsed)
            row = {
                "file": name,
                "rows": sum(1 for _ in source.open(encoding="utf-8")) - (name.endswith(".csv")),
                "import_s": statistics.median(first),
                "reimport_s": statistics.median(again),
                "store_mb": store.stat().st_size / 1e6,
                "report": summary,
            }
            log(f"import {name}: {row['import_s']:.2f} s into an empty store "
                f"({row['store_mb']:.1f} MB), again {row['reimport_s']:.2f} s")  # fmt: skip
            log(f"  {summary}")
            results.append(row)
    return results


def bench_export(
    n_events: int, runs: int, log: Any, formats: tuple[str, ...] = FORMATS
) -> list[dict[str, Any]]:
    """Each format `runs` times, the formats interleaved (json, jsonl, ..., json, jsonl...) so that
    a machine slowing down or speeding up weighs on every format alike; each is also given as a
    multiple of jsonl, the floor of an export (reading the store, writing what it holds)."""
    store, _ = ensure_store(DEFAULT_OUT, n_events, log=log)
    times: dict[str, list[float]] = {fmt: [] for fmt in formats}
    refused: set[str] = set()
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(runs):
            for fmt in formats:
                target = Path(folder) / f"export.{fmt}"
                elapsed, done = timed([PARTNERKB, "--db", str(store), "export", "--format", fmt,
                                       "--output", str(target), "--force"],
                                      refusal="Mermaid draws at most")  # fmt: skip
                if done.returncode == 2:
                    refused.add(fmt)
                times[fmt].append(elapsed)
        sizes = {fmt: (Path(folder) / f"export.{fmt}").stat().st_size / 1e6
                 if fmt not in refused else 0.0 for fmt in formats}  # fmt: skip
    floor = statistics.median(times["jsonl"]) if "jsonl" in times else None
    results = []
    for fmt in formats:
        row = {"format": fmt, "events": n_events, "export_s": statistics.median(times[fmt]),
               "runs_s": times[fmt], "output_mb": sizes[fmt]}  # fmt: skip
        ratio = ""
        if floor:
            row["x_jsonl"] = row["export_s"] / floor
            ratio = f", {row['x_jsonl']:4.1f}x jsonl"
        if fmt in refused:
            row["refused"] = True
            ratio += " (refused: past Mermaid's size limit)"
        log(f"export {fmt:>10} of {size_label(n_events)} events: {row['export_s']:6.2f} s, "
            f"{row['output_mb']:7.1f} MB{ratio}")  # fmt: skip
        results.append(row)
    return results


def parse_formats(text: str) -> tuple[str, ...]:
    formats = tuple(f.strip() for f in text.split(",") if f.strip())
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise argparse.ArgumentTypeError(f"formats are among {', '.join(FORMATS)}")
    return formats


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=parse_size, default=100_000, help="store size: 100k")
    parser.add_argument("--runs", type=int, default=3, help="runs of each measure (median)")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="the corpus folder")
    parser.add_argument("--skip-import", action="store_true")
    parser.add_argument("--skip-export", action="store_true")
    parser.add_argument("--formats", type=parse_formats, default=FORMATS,
                        help="export formats, comma-separated: jsonl,ics,md")  # fmt: skip
    args = parser.parse_args(argv)

    def log(message: str) -> None:
        print(message, flush=True)

    report: dict[str, Any] = {"python": sys.version.split()[0], "runs": args.runs}
    if not args.skip_import:
        report["import"] = bench_import(args.corpus, args.runs, log)
    if not args.skip_export:
        report["export"] = bench_export(args.events, args.runs, log, args.formats)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"interchange-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    log(f"results: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
