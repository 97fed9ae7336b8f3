#!/usr/bin/env python3
"""The language server's round trip, change to diagnostics, on a median model file (issue 17).

    .venv/bin/python bench/server.py              # 30 edits, best of nothing: every one counted
    .venv/bin/python bench/server.py --edits 100

`initlint server` runs as an editor runs it, a subprocess spoken to over stdio through
pygls' own LanguageClient. The file is bench/speed.py's "one changed file" (the median-sized
corpus file that builds a layer; corpus pinned and fetched as there). The client opens it,
then makes one edit at a time as typing does (a comment line inserted into a method body,
a different method each time, so that a different top-level statement changes) and times
each `didChange` until the `publishDiagnostics` of that version arrives.

Set against, in the same run:
- a fresh analysis of the same text in this process (`api.findings_of`, warm imports, no
  reuse): what a server that kept nothing but its imports would pay per change;
- `initlint check` on the file as a new process (what pre-commit pays per file).
Targets: the server's CPU time per change under 100 ms (on a machine shared with other work the
wall clock also counts the time the server waits for a core; on an idle one the two agree),
the median wall round trip under 100 ms when the machine is idle (load average below the core
count: reported, not a verdict, above it), and the median round trip at most half of a fresh
analysis.
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import speed  # noqa: E402  (the corpus, the machine line)

ROUND_TRIP_MAX_MS = 100.0
VS_FRESH_MAX = 0.5


def edit_points(text: str) -> list[tuple[int, str]]:
    """(line number, indentation) of the first statement of every function body, in order."""
    points = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(getattr(first, "value", None), ast.Constant) and len(node.body) > 1:
                first = node.body[1]  # after the docstring
            line = text.splitlines()[first.lineno - 1]
            points.append((first.lineno, line[: len(line) - len(line.lstrip())]))
    points.sort()
    return points


def edited(text: str, point: tuple[int, str], n: int) -> str:
    lines = text.splitlines(keepends=True)
    line, indent = point
    lines.insert(line - 1, f"{indent}# edit {n}\n")
    return "".join(lines)


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of one process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def round_trips(path: Path, text: str, count: int) -> tuple[float, list[float], float, int]:
    """(open round trip, change round trips, server CPU per change, diagnostics of the last
    version), seconds."""
    client = LanguageClient("initlint-bench", "1")
    waiting: dict[int, asyncio.Future] = {}
    published: dict[int, int] = {}

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def diagnostics(params: types.PublishDiagnosticsParams) -> None:
        published[params.version] = len(params.diagnostics)
        future = waiting.get(params.version)
        if future is not None and not future.done():
            future.set_result(time.perf_counter())

    await client.start_io(sys.executable, "-m", "initlint", "server")
    await client.initialize_async(types.InitializeParams(capabilities=types.ClientCapabilities(), root_uri=path.parent.as_uri()))
    client.initialized(types.InitializedParams())
    await asyncio.sleep(1.0)  # the server imports libcst on start; the first edit should not wait for it
    uri = path.as_uri()
    loop = asyncio.get_running_loop()

    async def send(version: int, message) -> float:
        waiting[version] = loop.create_future()
        start = time.perf_counter()
        message()
        return await asyncio.wait_for(waiting[version], 60) - start

    opened = await send(1, lambda: client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text))))  # fmt: skip
    points = edit_points(text)
    changes = []
    current = text
    pid = client._server.pid
    cpu_before = process_cpu(pid)
    for n in range(count):
        point = points[(n * 7) % len(points)]  # spread over the file, a different method each time
        current = edited(text, point, n)
        version = n + 2
        changes.append(await send(version, lambda: client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=current)],
            ))))  # fmt: skip
    cpu = (process_cpu(pid) - cpu_before) / count
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return opened, changes, cpu, published[count + 1]


def fresh_analyses(path: Path, text: str, count: int) -> tuple[list[float], float, int]:
    """(wall seconds of each, CPU seconds per analysis, findings of the last)."""
    from initlint import api, sources

    _, settings = api.resolve(api.Run(paths=[str(path)], isolated=True))
    points = edit_points(text)
    times = []
    findings = 0
    api.findings_of(sources.Source(str(path), text.encode(), text, "utf-8", False), settings)  # imports
    cpu_before = time.process_time()
    for n in range(count):
        new = edited(text, points[(n * 7) % len(points)], n)
        source = sources.Source(str(path), new.encode(), new, "utf-8", False)
        start = time.perf_counter()
        found, _ = api.findings_of(source, settings)
        times.append(time.perf_counter() - start)
        findings = len(found)
    return times, (time.process_time() - cpu_before) / count, findings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--edits", type=int, default=30)
    args = parser.parse_args()
    root = speed.corpus_root()
    original = speed.pick_changed_file(speed.corpus_files(root))
    text = original.read_text(encoding="utf-8")
    print(f"machine: {speed.machine()}")
    print(f"load average before the run: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"file: {original.relative_to(root)} ({text.count(chr(10))} lines), {args.edits} edits\n", flush=True)
    with tempfile.TemporaryDirectory(prefix="initlint-server-bench-") as folder:
        path = Path(folder) / "model.py"
        path.write_text(text, encoding="utf-8")
        (Path(folder) / "pyproject.toml").write_text("[tool.initlint]\n", encoding="utf-8")
        opened, changes, server_cpu, published = asyncio.run(round_trips(path, text, args.edits))
        fresh, fresh_cpu, findings = fresh_analyses(path, text, args.edits)
        cli = []
        for _ in range(5):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "initlint", "check", "--no-cache", "--exit-zero", "-q", str(path)],
                           check=True, stdout=subprocess.DEVNULL, cwd=folder)  # fmt: skip
            cli.append(time.perf_counter() - start)
    assert published == findings, f"the server published {published} diagnostics, the analysis finds {findings}"

    def ms(values: list[float]) -> str:
        ordered = sorted(values)
        p90 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]
        return f"{1000 * statistics.median(values):.1f} | {1000 * p90:.1f} | {1000 * max(values):.1f}"

    print("| what | median ms | p90 ms | max ms |")
    print("|---|---:|---:|---:|")
    print(f"| server: didOpen to publishDiagnostics (first analysis of the file) | {ms([opened])} |")
    print(f"| server: didChange to publishDiagnostics ({args.edits} edits) | {ms(changes)} |")
    print(f"| in process: api.findings_of of each edited text, fresh (no reuse) | {ms(fresh)} |")
    print(f"| `initlint check FILE` as a new process (5 runs) | {ms(cli)} |")
    print()
    print(f"CPU per change: the server process {1000 * server_cpu:.1f} ms (its whole CPU time over the edits, / {args.edits}); "
          f"a fresh in-process analysis {1000 * fresh_cpu:.1f} ms")  # fmt: skip
    median, vs = 1000 * statistics.median(changes), statistics.median(changes) / statistics.median(fresh)
    idle = os.getloadavg()[0] < (os.cpu_count() or 1)
    ok = 1000 * server_cpu < ROUND_TRIP_MAX_MS and vs <= VS_FRESH_MAX and (median < ROUND_TRIP_MAX_MS or not idle)
    print()
    print("| target | figure | met |")
    print("|---|---:|:-:|")
    print(f"| server CPU per change < {ROUND_TRIP_MAX_MS:.0f} ms | {1000 * server_cpu:.1f} ms | {speed.verdict(1000 * server_cpu < ROUND_TRIP_MAX_MS)} |")
    verdict = speed.verdict(median < ROUND_TRIP_MAX_MS) if idle else f"- (load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
    print(f"| change round trip, median < {ROUND_TRIP_MAX_MS:.0f} ms, idle machine | {median:.1f} ms | {verdict} |")
    print(f"| change round trip <= {VS_FRESH_MAX}x a fresh analysis (medians) | {vs:.2f}x | {speed.verdict(vs <= VS_FRESH_MAX)} |")
    print(f"| (no target) server CPU per change vs a fresh analysis's CPU | {server_cpu / fresh_cpu:.2f}x | - |")
    print(f"| (no target) change round trip vs `initlint check FILE` (medians) | {statistics.median(changes) / statistics.median(cli):.3f}x | - |")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
