"""`replybot kb …`: add, search, list and remove knowledge."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)

from bot.cli.render import JsonOpt, err, out, safe, short, show, table
from bot.usecases.knowledge import remove_source, sync_videos
from knowledge.loaders import expand
from knowledge.store import AddResult, Hit, KnowledgeBase

app = typer.Typer(no_args_is_help=True, rich_markup_mode=None)


def display(source: str) -> str:
    """A source path relative to the working directory when it is below it."""
    try:
        return os.path.relpath(source) if not os.path.relpath(source).startswith("..") else source
    except ValueError:
        return source


def _progress(files: int, console: Console = err) -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TextColumn("{task.fields[chunks]} chunks, {task.fields[rate]} chunks/s"),
                    TimeRemainingColumn(), console=console, transient=True,
                    disable=not console.is_terminal or not files)


def _stepper(progress: Progress, files: int) -> Callable[[Path, AddResult | None], None]:
    """Advance the bar after each file; the rate counts the chunks embedded so far."""
    task = progress.add_task("ingesting", total=files, chunks=0, rate="—")
    started, chunks = time.monotonic(), 0

    def step(path: Path, result: AddResult | None) -> None:
        nonlocal chunks
        chunks += result.added if result else 0
        rate = chunks / max(time.monotonic() - started, 1e-6)
        progress.update(task, description=short(str(path), 40), advance=1, chunks=chunks,
                        rate=f"{rate:.1f}")
    return step


def _ingest(kb: KnowledgeBase, files: list[Path]) -> tuple[list[AddResult], list[str]]:
    with _progress(len(files)) as progress:
        added = kb.add_files(files, _stepper(progress, len(files)))
    if kb.cross_language:  # built now and kept, so the daemon's first search need not wait
        kb.lexicon()
    return added


@app.command()
def add(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help="Files or folders (.md, .txt).")],
    as_json: JsonOpt = False,
) -> None:
    """Add or update documents; unchanged ones cost nothing."""
    results, problems = _ingest(ctx.obj.knowledge, expand(paths))
    show({"results": [r.__dict__ for r in results], "problems": problems}, as_json,
         lambda: table("knowledge added", ["source", "added", "unchanged", "removed"],
                       [(display(r.source), r.added, r.kept, r.removed) for r in results],
                       empty="no files added"))
    _skipped(problems)


def _skipped(problems: list[str]) -> None:
    """Files that could not be read: named on stderr, and exit 1."""
    for problem in problems:
        err.print(f"[yellow]skipped:[/] {safe(problem)}")
    if problems:
        raise typer.Exit(1)


@app.command()
def search(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="What to look for.")],
    k: Annotated[int, typer.Option("--k", help="At most this many chunks.")] = 3,
    video: Annotated[str | None, typer.Option(help="Rank this video's chunks first.")] = None,
    min_score: Annotated[float | None, typer.Option(
        help="Use a plain dense-score floor instead of the gate (to explore scores).")] = None,
    dense_only: Annotated[bool, typer.Option("--dense-only", help="No BM25.")] = False,
    explain: Annotated[bool, typer.Option("--explain",
                                          help="Show where each score came from.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """The chunks a comment like QUERY would be answered from."""
    hybrid = ctx.obj.settings.knowledge.hybrid and not dense_only
    hits = ctx.obj.knowledge.search(query, k=k, min_score=min_score, video_id=video,
                                    hybrid=hybrid)
    show([{"source": h.source, "text": h.text, "score": h.score, "video_id": h.video_id,
           **({"explain": h.explain()} if explain else {})} for h in hits], as_json,
         lambda: _show_hits(query, hits, explain,
                            ctx.obj.knowledge.gate.mode != "floor"))


def gate_parts(hit: Hit) -> str:
    """The gate's evidence for a hit: whether dense and BM25 agree, the cosine's margin over
    the query's nearest chunks, and with the answerability gate the question's score."""
    parts = hit.gate
    if not parts:
        return "—"
    shown = f"{'agree' if parts['agree'] else 'no'}, {parts['margin']:+.3f}"
    if "answerable" in parts:
        shown += f", answerable {parts['answerable']:+.2f}"
    return shown


def _show_hits(query: str, hits: list[Hit], explain: bool, evidence: bool = False) -> None:
    empty = "no chunk passes the gate: the bot would answer without context"
    if explain:
        translated = bool(hits and hits[0].translation)
        if translated:
            out.print(f"also searched as: {safe(short(hits[0].translation, 200))}\n"
                      "(transl.: each chunk's rank for it, dense / bm25)")
        # the evidence or answerability gate's parts, only when one of them decides
        columns = ["dense (rank)", "bm25 (rank)", *(["transl."] * translated),
                   "coverage", *(["gate: agree, margin"] * evidence), "fused", "source", "text"]
        table(f"matches for {query!r}", columns,
              [(f"{h.score:.3f} ({h.dense_rank or '—'})", f"{h.bm25:.2f} ({h.bm25_rank or '—'})",
                *([translated_ranks(h)] * translated), f"{h.coverage:.2f}",
                *([gate_parts(h)] * evidence), f"{h.fused:.4f}",
                display(h.source), short(h.text, 60)) for h in hits], empty=empty)
        return
    table(f"matches for {query!r}", ["score", "source", "text"],
          [(f"{h.score:.3f}", display(h.source), short(h.text, 90)) for h in hits], empty=empty)


def translated_ranks(hit: Hit) -> str:
    """Where the chunk ranked for the translated query: dense / BM25."""
    return " / ".join(str(hit.ranks.get(name, "—"))
                      for name in ("dense_translated", "bm25_translated"))


@app.command()
def sync(
    ctx: typer.Context,
    folder: Annotated[Path, typer.Argument(help="The folder to mirror.", file_okay=False,
                                           exists=True)],
    as_json: JsonOpt = False,
) -> None:
    """Mirror a folder: add new files, update changed ones, remove deleted ones."""
    kb: KnowledgeBase = ctx.obj.knowledge
    files = len(expand([folder]))
    with _progress(files) as progress:
        result = kb.sync_folder(folder, _stepper(progress, files))
    results, removed = result.results, result.removed
    changed = [r for r in results if r.added or r.removed]
    show({"results": [r.__dict__ for r in results], "removed": removed,
          "problems": result.problems}, as_json,
         lambda: table("knowledge synced", ["source", "added", "unchanged", "removed"],
                       [(display(r.source), r.added, r.kept, r.removed) for r in changed]
                       + [(display(s), 0, 0, n) for s, n in removed.items()],
                       empty=f"{len(results)} files, all unchanged"))
    _skipped(result.problems)


@app.command()
def rebuild(ctx: typer.Context) -> None:
    """Re-embed every chunk with the configured embedder (after changing [knowledge] embedder)."""
    kb = ctx.obj.knowledge_for_rebuild()
    count = kb.rebuild()
    err.print(f"re-embedded {count} chunks with {kb.embedder.name}")


@app.command("sync-youtube")
def sync_youtube_videos(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Import every video's title and description, and your own answers, tagged by video."""
    application = ctx.obj
    report = sync_videos(application.knowledge, application.connector("youtube"),
                         application.store)
    show(report.__dict__, as_json, lambda: err.print(
        f"{report.videos} videos: {report.added} chunks added, {report.unchanged} "
        f"unchanged, {report.removed} removed; {report.answers} of your answers"))


@app.command("list")
def list_sources(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Documents in the knowledge base with their chunk counts."""
    sources = ctx.obj.knowledge.sources()
    show([s.__dict__ for s in sources], as_json, lambda: table(
        "knowledge", ["source", "chunks", "ingested (UTC)"],
        [(display(s.source), s.chunks, s.ingested_at) for s in sources],
        empty="the knowledge base is empty: add files with `replybot kb add PATH`"))


@app.command()
def remove(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(help="A source as `kb list` shows it.")],
) -> None:
    """Remove a document's chunks."""
    removed = remove_source(ctx.obj.knowledge, source)
    err.print(f"removed {removed} chunks of {source}")
