#!/usr/bin/env python3
"""Run patchlaw's criterion benchmarks and track their ratios over time.

Usage (from anywhere in the repository):

    python3 benches/track.py [options] [cargo bench args] [-- criterion args]

    python3 benches/track.py -- --warm-up-time 1 --measurement-time 3
    python3 benches/track.py --bench json_patch -- diff
    python3 benches/track.py --no-run          # summarize the last results

Every argument that is not one of the options below goes, in order, to
`cargo bench -p patchlaw-benches`; so does `--` and everything after it
(criterion's own arguments).

Options:
    --no-run          do not run cargo; summarize every result criterion has
                      in target/criterion (normally only those this run wrote),
                      with the patch sizes of benches/results/latest.json.
                      After re-running noisy benchmarks with a filter, this
                      makes a summary of everything; filter whole groups
                      (`-- merge/apply/`) so that each ratio stays within
                      one run
    --baseline FILE   compare with FILE instead of the last committed summary
    --threshold X     the relative growth of a ratio that counts as a
                      regression (default 0.10, that is 10%)
    --table [FILE]    print the ratios of a summary (default
                      benches/results/latest.json) as Markdown tables, for
                      the README, and exit; runs and writes nothing
    --help            this text

What it does:

1. Runs `cargo bench -p patchlaw-benches ...`, echoing its output, and
   collects the `patch-size` lines the diff benchmarks print.
2. Reads the median (`median.point_estimate`, nanoseconds) of every
   benchmark criterion measured in this run, from
   `target/criterion/**/new/estimates.json` (and `benchmark.json` beside
   it for the benchmark's full name `area/op/workload/impl`).
3. Computes ratios within each `area/op/workload` group, all from the same
   run. The pairing rule: a patchlaw implementation (`patchlaw`,
   `patchlaw-owned`, ...) is tracked against
     - the peer in the group (the `json-patch` or `jsonptr` crate, or
       `merge-patch`, RFC 7396 apply of the equivalent merge patch, for
       strategic apply), and
     - `bound-eq` (a full `==` traversal) when the group has it;
     - only when the group has neither, `bound-clone` (`Value::clone`).
   Ratios against the other bounds (`bound-clone`, `bound-parse`), and the
   peer's own ratios against the bounds, are recorded but not tracked:
   large clones and parses are dominated by page faults and too noisy.
4. Writes a summary, `benches/results/<date>-<short git rev>.json`, and the
   same as `benches/results/latest.json`.
5. Compares every tracked ratio with the last committed summary in
   benches/results/ (the newest `<date>-<rev>.json` in the last commit that
   touched the directory), prints each ratio that grew by more than the
   threshold, and each patch size of patchlaw's that grew, and exits with
   status 1 if there is any. Without a committed summary it only reports.

Standard library only.
"""

import datetime
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

PEERS = ("json-patch", "jsonptr", "merge-patch")
TRACKED_BOUND = "bound-eq"
FALLBACK_BOUND = "bound-clone"
PATCH_SIZE = re.compile(
    r"^patch-size (\S+) minimal=(\d+)/(\d+) patchlaw=(\d+)/(\d+) json-patch=(\d+)/(\d+)\s*$"
)


def main(argv):
    options, cargo_args = parse_args(argv)
    root = repo_root()
    results_dir = root / "benches" / "results"
    if options["table"] is not None:
        path = options["table"] or results_dir / "latest.json"
        print_markdown(json.loads(Path(path).read_text()))
        return 0
    criterion_dir = find_criterion_dir(root)

    started = time.time()
    patch_sizes = {}
    if not options["no_run"]:
        command = ["cargo", "bench", "-p", "patchlaw-benches", *cargo_args]
        print("track.py: running", " ".join(command), flush=True)
        status = run_and_collect(command, root, patch_sizes)
        if status != 0:
            print(f"track.py: cargo bench failed with status {status}", file=sys.stderr)
            return status
    since = None if options["no_run"] else started - 1.0
    if options["no_run"]:
        # The patch sizes are printed by the benchmarks, not stored by
        # criterion: keep the last summary's.
        previous = results_dir / "latest.json"
        if previous.exists():
            last = json.loads(previous.read_text())
            patch_sizes = last.get("patch_sizes", {})
            cargo_args = cargo_args or last.get("cargo_bench_args", [])

    medians = read_medians(criterion_dir, since)
    if not medians:
        print(
            f"track.py: no criterion results in {criterion_dir}"
            + ("" if since is None else " from this run")
            + " (with `--test`, criterion measures nothing)",
            file=sys.stderr,
        )
        return 2
    benchmarks = compute_ratios(medians)
    summary = make_summary(root, benchmarks, patch_sizes, cargo_args)

    results_dir.mkdir(parents=True, exist_ok=True)
    name = f"{summary['date']}-{summary['git_rev']}.json"
    text = format_summary(summary)
    (results_dir / name).write_text(text)
    (results_dir / "latest.json").write_text(text)
    print_ratios(benchmarks)
    print(f"\ntrack.py: wrote benches/results/{name} and benches/results/latest.json")
    report = criterion_dir / "report" / "index.html"
    if report.exists():
        print(f"track.py: criterion's HTML report: {report}")
    else:
        print(
            f"track.py: no HTML report at {report}: criterion writes it only with a "
            "plotting backend (gnuplot on PATH, or its `plotters` feature)"
        )

    baseline, origin = load_baseline(root, options["baseline"])
    if baseline is None:
        print("track.py: no committed summary in benches/results/ to compare with")
        return 0
    print(f"track.py: comparing with {origin}")
    regressions = compare(baseline, summary, options["threshold"])
    if regressions:
        print(f"\ntrack.py: {len(regressions)} regression(s) over {options['threshold']:.0%}:")
        for line in regressions:
            print("  " + line)
        return 1
    print(f"track.py: no ratio regressed by more than {options['threshold']:.0%}")
    return 0


def parse_args(argv):
    options = {"no_run": False, "baseline": None, "threshold": 0.10, "table": None}
    cargo_args = []
    args = list(argv)
    while args:
        arg = args.pop(0)
        if arg == "--":
            cargo_args += ["--", *args]
            break
        if arg in ("-h", "--help"):
            print(__doc__)
            sys.exit(0)
        elif arg == "--table":
            options["table"] = args.pop(0) if args and not args[0].startswith("-") else ""
        elif arg == "--no-run":
            options["no_run"] = True
        elif arg == "--baseline" and args:
            options["baseline"] = Path(args.pop(0)).resolve()
        elif arg.startswith("--baseline="):
            options["baseline"] = Path(arg.split("=", 1)[1]).resolve()
        elif arg == "--threshold" and args:
            options["threshold"] = float(args.pop(0))
        elif arg.startswith("--threshold="):
            options["threshold"] = float(arg.split("=", 1)[1])
        else:
            cargo_args.append(arg)
    return options, cargo_args


def repo_root():
    here = Path(__file__).resolve().parent
    try:
        out = git(here, "rev-parse", "--show-toplevel")
        return Path(out)
    except (OSError, subprocess.CalledProcessError):
        return here.parent


def git(cwd, *args):
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout.strip()


def find_criterion_dir(root):
    if os.environ.get("CRITERION_HOME"):
        return Path(os.environ["CRITERION_HOME"])
    target = Path(os.environ.get("CARGO_TARGET_DIR", root / "target"))
    if not target.is_absolute():
        target = root / target
    return target / "criterion"


def run_and_collect(command, cwd, patch_sizes):
    """Runs `command`, echoing its standard output, collecting patch sizes."""
    with subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, text=True) as process:
        for line in process.stdout:
            sys.stdout.write(line)
            sys.stdout.flush()
            match = PATCH_SIZE.match(line)
            if match:
                numbers = [int(n) for n in match.groups()[1:]]
                patch_sizes[match.group(1)] = {
                    "minimal": numbers[0:2],
                    "patchlaw": numbers[2:4],
                    "json-patch": numbers[4:6],
                }
    return process.returncode


def read_medians(criterion_dir, since):
    """Full benchmark id -> median in nanoseconds, for results written
    after `since` (a timestamp), or all when `since` is None."""
    medians = {}
    for info in criterion_dir.glob("**/new/benchmark.json"):
        estimates = info.with_name("estimates.json")
        if not estimates.exists():
            continue
        if since is not None and estimates.stat().st_mtime < since:
            continue
        try:
            full_id = json.loads(info.read_text())["full_id"]
            median = json.loads(estimates.read_text())["median"]["point_estimate"]
        except (KeyError, ValueError) as err:
            print(f"track.py: skipping {info}: {err}", file=sys.stderr)
            continue
        medians[full_id] = median
    return medians


def split_id(full_id):
    group, _, implementation = full_id.rpartition("/")
    return group, implementation


def is_bound(implementation):
    return implementation.startswith("bound-")


def compute_ratios(medians):
    """Full id -> {median_ns, ratios: {other impl: ratio}, tracked: [...]}."""
    groups = {}
    for full_id, median in medians.items():
        group, implementation = split_id(full_id)
        groups.setdefault(group, {})[implementation] = median
    benchmarks = {}
    for group, impls in sorted(groups.items()):
        peer = next((p for p in PEERS if p in impls), None)
        for implementation, median in sorted(impls.items()):
            entry = {"median_ns": round(median, 3)}
            if not is_bound(implementation):
                others = sorted(
                    (i for i in impls if is_bound(i)), key=lambda i: (i != TRACKED_BOUND, i)
                )
                if implementation.startswith("patchlaw") and peer is not None:
                    others.insert(0, peer)
                entry["ratios"] = {
                    other: round(median / impls[other], 4) for other in others
                }
                if implementation.startswith("patchlaw"):
                    tracked = [o for o in (peer, TRACKED_BOUND) if o is not None and o in impls]
                    if not tracked and FALLBACK_BOUND in impls:
                        tracked = [FALLBACK_BOUND]
                    entry["tracked"] = tracked
            benchmarks[f"{group}/{implementation}"] = entry
    return benchmarks


def make_summary(root, benchmarks, patch_sizes, cargo_args):
    try:
        rev = git(root, "rev-parse", "--short", "HEAD")
        dirty = bool(git(root, "status", "--porcelain", "--untracked-files=no"))
    except (OSError, subprocess.CalledProcessError):
        rev, dirty = "unknown", None
    try:
        rustc = subprocess.run(
            ["rustc", "--version"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        rustc = "unknown"
    return {
        "date": datetime.date.today().isoformat(),
        "git_rev": rev,
        "git_dirty": dirty,
        "rustc": rustc,
        "cpus": os.cpu_count(),
        "cargo_bench_args": cargo_args,
        "unit": "median nanoseconds; ratios are this median over the other's, same run",
        "benchmarks": benchmarks,
        "patch_sizes": dict(sorted(patch_sizes.items())),
    }


def format_summary(summary):
    """JSON with one line per benchmark: compact, and diffs well in git."""
    lines = ["{"]
    items = list(summary.items())
    for index, (key, value) in enumerate(items):
        comma = "," if index < len(items) - 1 else ""
        if isinstance(value, dict) and value:
            lines.append(f"  {json.dumps(key)}: {{")
            entries = list(value.items())
            for j, (name, entry) in enumerate(entries):
                inner = "," if j < len(entries) - 1 else ""
                lines.append(
                    f"    {json.dumps(name)}: {json.dumps(entry, separators=(', ', ': '))}{inner}"
                )
            lines.append("  }" + comma)
        else:
            lines.append(f"  {json.dumps(key)}: {json.dumps(value)}{comma}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def print_ratios(benchmarks):
    print("\nratios (same run; tracked ones marked *):")
    print(f"  {'benchmark':<52} {'median':>12}  ratios")
    for full_id, entry in benchmarks.items():
        ratios = entry.get("ratios", {})
        tracked = entry.get("tracked", [])
        shown = ", ".join(
            f"{'*' if other in tracked else ''}{ratio:.2f}x {other}"
            for other, ratio in ratios.items()
        )
        print(f"  {full_id:<52} {human(entry['median_ns']):>12}  {shown}")


def print_markdown(summary):
    """One table per `area/op`: a row per patchlaw implementation and
    workload, with its peer, `bound-eq`, and the tracked ratios."""
    benchmarks = summary["benchmarks"]
    tables = {}
    for full_id, entry in benchmarks.items():
        group, implementation = split_id(full_id)
        if "tracked" not in entry:
            continue
        area_op, _, workload = group.rpartition("/")
        tables.setdefault(area_op, []).append((workload, implementation, group, entry))
    for area_op, rows in tables.items():
        print(f"\n`{area_op}`:\n")
        print(
            "| workload | impl | median | peer | peer median | bound | bound median "
            "| impl / peer | impl / bound | peer / bound |"
        )
        print("|---|---|---:|---|---:|---|---:|---:|---:|---:|")
        for workload, implementation, group, entry in rows:
            ratios = entry["ratios"]
            peer = next((p for p in PEERS if p in ratios), None)
            bound = next((b for b in (TRACKED_BOUND, FALLBACK_BOUND) if b in ratios), None)

            def median(other):
                found = benchmarks.get(f"{group}/{other}") if other else None
                return human(found["median_ns"]) if found else ""

            def ratio(other):
                if other is None:
                    return ""
                mark = "**" if other in entry["tracked"] else ""
                return f"{mark}{ratios[other]:.2f}×{mark}"

            peer_entry = benchmarks.get(f"{group}/{peer}", {}) if peer else {}
            peer_bound = peer_entry.get("ratios", {}).get(bound)
            print(
                f"| `{workload}` | {implementation} | {human(entry['median_ns'])} "
                f"| {peer or ''} | {median(peer)} | {bound or ''} | {median(bound)} "
                f"| {ratio(peer)} | {ratio(bound)} "
                f"| {'' if peer_bound is None else f'{peer_bound:.2f}×'} |"
            )


def human(ns):
    if ns < 1e3:
        return f"{ns:.1f} ns"
    if ns < 1e6:
        return f"{ns / 1e3:.2f} µs"
    if ns < 1e9:
        return f"{ns / 1e6:.2f} ms"
    return f"{ns / 1e9:.2f} s"


def load_baseline(root, explicit):
    """The summary to compare with, and where it came from."""
    if explicit is not None:
        return json.loads(explicit.read_text()), str(explicit)
    try:
        commit = git(root, "log", "-1", "--format=%H", "--", "benches/results")
        if not commit:
            return None, None
        names = git(root, "ls-tree", "--name-only", commit, "benches/results/").splitlines()
    except (OSError, subprocess.CalledProcessError):
        return None, None
    dated = sorted(
        n for n in names if n.endswith(".json") and not n.endswith("/latest.json")
    )
    if not dated:
        return None, None
    path = dated[-1]
    text = git(root, "show", f"{commit}:{path}")
    return json.loads(text), f"{path} as committed in {commit[:10]}"


def compare(baseline, summary, threshold):
    regressions = []
    old_benchmarks = baseline.get("benchmarks", {})
    compared = 0
    for full_id, entry in summary["benchmarks"].items():
        old = old_benchmarks.get(full_id)
        if not old:
            continue
        for other in entry.get("tracked", []):
            new_ratio = entry["ratios"].get(other)
            old_ratio = old.get("ratios", {}).get(other)
            if not new_ratio or not old_ratio:
                continue
            compared += 1
            growth = new_ratio / old_ratio - 1
            if growth > threshold:
                regressions.append(
                    f"{full_id} / {other}: {old_ratio:.3f}x -> {new_ratio:.3f}x (+{growth:.0%})"
                )
    for workload, sizes in summary.get("patch_sizes", {}).items():
        old = baseline.get("patch_sizes", {}).get(workload)
        if not old:
            continue
        (ops, size), (old_ops, old_size) = sizes["patchlaw"], old["patchlaw"]
        if ops > old_ops or size > old_size:
            regressions.append(
                f"{workload}: patchlaw's patch grew from {old_ops} operations / "
                f"{old_size} B to {ops} / {size} B"
            )
    print(f"track.py: compared {compared} tracked ratios")
    return regressions


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
