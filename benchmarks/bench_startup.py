"""Start-up cost of a one-file, pre-commit style `capi-lint check`, next to check-jsonschema.

    python benchmarks/bench_startup.py [--runs 10] [--warmup 1] [--check-jsonschema PATH]
                                       [--file examples/website_purchase.json]

Each command runs --runs times, each in a fresh process (after --warmup untimed runs
that warm the page cache and write .pyc files); prints median and min wall time and
the largest peak RSS of any run. Peak RSS is per child, from os.wait4 (on platforms
without it the RSS column reads n/a). Rows:

    python -c pass                      the interpreter floor
    capi-lint check FILE                the console script (what pre-commit runs)
    python -m capi_lint check FILE
    check-jsonschema --schemafile schemas/request.schema.json FILE

check-jsonschema (a test dependency) is found next to this python, on PATH, or with
--check-jsonschema PATH; otherwise its row reads "not installed". The schemas' "$id"s
are relative, so their "$ref"s resolve to the files beside them, offline.

Then `python -X importtime` on a child that does `import capi_lint.cli` and
`capi_lint.cli.main(["check", FILE])`, split into interpreter start-up, the import
of capi_lint.cli and the imports made lazily during the check (median of --runs),
the heaviest top-level packages, and whether phonenumbers, jsonschema, httpx,
email_validator and pycountry end up in sys.modules after the clean check.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = "schemas/request.schema.json"
HEAVY = ("phonenumbers", "jsonschema", "httpx", "email_validator", "pycountry")
NOW = "2026-11-20T12:00:00Z"
MARK = "@@bench_startup"

# Runs under `python -X importtime`; the marks split the import log into phases.
CHILD = f"""
import json, sys
def mark(phase):
    sys.stderr.flush()
    sys.stderr.write("{MARK} " + phase + "\\n")
    sys.stderr.flush()
mark("startup")
import capi_lint.cli
mark("import")
try:
    capi_lint.cli.main(sys.argv[1:])
    code = 0
except SystemExit as exc:
    code = exc.code
mark("check")
modules = [name for name in {HEAVY!r} if name in sys.modules]
print("{MARK} " + json.dumps({{"exit": code, "modules": modules}}))
"""


def run_once(command: list[str]) -> tuple[float, int | None, int]:
    """Wall seconds, peak RSS in bytes (None if unknown) and exit code of one fresh run."""
    start = time.perf_counter()
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if hasattr(os, "wait4"):
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        # ru_maxrss is KiB on Linux and the BSDs, bytes on macOS.
        rss = usage.ru_maxrss if sys.platform == "darwin" else usage.ru_maxrss * 1024
        return seconds, rss, proc.returncode
    code = proc.wait()
    return time.perf_counter() - start, None, code


def measure(command: list[str], runs: int, warmup: int) -> tuple[list[float], int | None, int]:
    for _ in range(warmup):
        run_once(command)
    times, peak, codes = [], None, set()
    for _ in range(runs):
        seconds, rss, code = run_once(command)
        times.append(seconds)
        codes.add(code)
        if rss is not None:
            peak = max(peak or 0, rss)
    return times, peak, max(codes)


def find_tool(name: str, explicit: str | None) -> str | None:
    if explicit:
        return explicit if Path(explicit).is_file() else shutil.which(explicit)
    # Prefer the script next to this interpreter: a PATH shim (pyenv, asdf) adds its own start-up.
    suffix = ".exe" if os.name == "nt" else ""
    beside = Path(sys.executable).parent / f"{name}{suffix}"
    return str(beside) if beside.is_file() else shutil.which(name)


def tool_version(path: str) -> str:
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=60)
    except OSError:
        return "?"
    return out.stdout.strip().rsplit(" ", 1)[-1] or "?"


def importtime(target: str, runs: int) -> tuple[dict, dict, dict, dict]:
    command = [sys.executable, "-X", "importtime", "-c", CHILD, "check", target, "--now", NOW]
    phase_runs: dict[str, list[int]] = defaultdict(list)
    package_runs: dict[str, list[int]] = defaultdict(list)
    cumulative_runs: dict[str, list[int]] = defaultdict(list)
    report: dict = {}
    for _ in range(runs):
        out = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
        lines = [line for line in out.stdout.splitlines() if line.startswith(MARK)]
        if not lines:
            raise SystemExit(f"importtime child failed:\n{out.stderr[-2000:]}")
        report = json.loads(lines[-1][len(MARK) :])
        phases, packages, cumulative = _split_phases(out.stderr)
        for key, value in phases.items():
            phase_runs[key].append(value)
        for key, value in packages.items():
            package_runs[key].append(value)
        for key in HEAVY:
            if key in cumulative:
                cumulative_runs[key].append(cumulative[key])
    return _median(phase_runs), _median(package_runs), _median(cumulative_runs), report


def _median(runs_of: dict[str, list[int]]) -> dict[str, float]:
    return {key: statistics.median(values) for key, values in runs_of.items()}


def _split_phases(stderr: str) -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
    """Self µs per phase (each logged import belongs to the phase its next mark closes),
    µs per dependency after start-up, and cumulative µs per module.

    A dependency is charged the cumulative time of its subtree (what it pulls in);
    capi_lint's own modules are charged their self time, so the groups add up to
    the phase totals.
    """
    phases: dict[str, int] = {}
    groups: dict[str, int] = defaultdict(int)
    cumulative: dict[str, int] = {}
    # importtime logs a module when its import ends, after its children (one level deeper).
    pending: dict[int, list[tuple[str, int, int, list]]] = defaultdict(list)

    def charge(node: tuple[str, int, int, list]) -> None:
        name, self_us, cum_us, children = node
        top = name.split(".")[0]
        if top != "capi_lint":
            groups[top] += cum_us
            return
        groups["capi_lint (own modules)"] += self_us
        for child in children:
            charge(child)

    for line in stderr.splitlines():
        if line.startswith(MARK):
            phase = line.split()[1]
            roots = pending.pop(0, [])
            phases[phase] = sum(cum_us for _, _, cum_us, _ in roots)
            if phase != "startup":
                for root in roots:
                    charge(root)
            pending.clear()
            continue
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, cum_us, raw_name = line[len("import time:") :].split("|")
        name = raw_name.strip()
        depth = (len(raw_name) - len(raw_name.lstrip()) - 1) // 2
        node = (name, int(self_us), int(cum_us), pending.pop(depth + 1, []))
        pending[depth].append(node)
        cumulative.setdefault(name, int(cum_us))
    return phases, groups, cumulative


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs before each row")
    parser.add_argument("--file", default="examples/website_purchase.json")
    parser.add_argument("--check-jsonschema", default=None, metavar="PATH")
    parser.add_argument("--top", type=int, default=8, help="dependencies listed by import time")
    args = parser.parse_args()

    target_path = Path(args.file).resolve()
    try:
        target = target_path.relative_to(ROOT).as_posix()
    except ValueError:
        target = str(target_path)
    capi = find_tool("capi-lint", None)
    cjs = find_tool("check-jsonschema", args.check_jsonschema)

    import capi_lint

    cjs_version = tool_version(cjs) if cjs else "not installed"
    print(
        f"python {sys.version.split()[0]}, capi-lint {capi_lint.__version__}, "
        f"check-jsonschema {cjs_version}; {target}, "
        f"{args.runs} runs (+{args.warmup} warm-up) each, fresh process per run"
    )
    rows: list[tuple[str, list[str] | None]] = [
        ("python -c pass  (floor)", [sys.executable, "-c", "pass"]),
        ("capi-lint check", [capi, "check", target, "--now", NOW] if capi else None),
        (
            "python -m capi_lint check",
            [sys.executable, "-m", "capi_lint", "check", target, "--now", NOW],
        ),
        (
            "check-jsonschema",
            [cjs, "--schemafile", SCHEMA, target] if cjs else None,
        ),
    ]
    print(f"{'command':<28} {'median ms':>10} {'min ms':>8} {'max RSS MiB':>12} {'exit':>5}")
    for label, command in rows:
        if command is None:
            print(f"{label:<28} {'not installed':>10}")
            continue
        times, peak, code = measure(command, args.runs, args.warmup)
        rss = f"{peak / 2**20:12.1f}" if peak is not None else f"{'n/a':>12}"
        print(
            f"{label:<28} {statistics.median(times) * 1e3:10.1f} {min(times) * 1e3:8.1f} "
            f"{rss} {code:>5}"
        )

    phases, packages, cumulative, report = importtime(target, args.runs)
    total = sum(phases.values())
    print()
    print(f"python -X importtime, `capi-lint check {target}` (median of {args.runs}):")
    for label, key in (
        ("interpreter start-up (site, encodings)", "startup"),
        ("import capi_lint.cli", "import"),
        ("lazy imports during the check", "check"),
    ):
        print(f"  {label:<40} {phases.get(key, 0) / 1e3:7.1f} ms")
    print(f"  {'total':<40} {total / 1e3:7.1f} ms")
    print(
        f"  after start-up, by what capi-lint imports (incl. what each pulls in), top {args.top}:"
    )
    for name, us in sorted(packages.items(), key=lambda kv: -kv[1])[: args.top]:
        print(f"    {name:<38} {us / 1e3:7.1f} ms")
    print(f"heavy modules after a clean one-file check (exit {report['exit']}):")
    for name in HEAVY:
        if name in report["modules"]:
            print(f"  {name:<18} imported  ({cumulative.get(name, 0) / 1e3:.1f} ms cumulative)")
        else:
            print(f"  {name:<18} not imported")


if __name__ == "__main__":
    main()
