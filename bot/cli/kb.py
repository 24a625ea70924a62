"""`replybot kb …`: add, search, list and remove knowledge."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from bot.cli.render import emit_json, err, short, table
from knowledge.errors import KnowledgeError
from knowledge.loaders import expand, load
from knowledge.store import AddResult, KnowledgeBase

app = typer.Typer(no_args_is_help=True)
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def display(source: str) -> str:
    """A source path relative to the working directory when it is below it."""
    try:
        return os.path.relpath(source) if not os.path.relpath(source).startswith("..") else source
    except ValueError:
        return source


def _ingest(kb: KnowledgeBase, files: list[Path]) -> tuple[list[AddResult], list[str]]:
    results, problems = [], []
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  console=err, transient=True, disable=not err.is_terminal) as progress:
        task = progress.add_task("ingesting", total=len(files))
        for path in files:
            progress.update(task, description=short(str(path), 40))
            try:
                results.append(kb.add(load(path)))
            except KnowledgeError as exc:
                problems.append(str(exc))
            progress.advance(task)
    return results, problems


@app.command()
def add(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help="Files or folders (.md, .txt).")],
    as_json: JsonOpt = False,
) -> None:
    """Add or update documents; unchanged ones cost nothing."""
    results, problems = _ingest(ctx.obj.knowledge, expand(paths))
    if as_json:
        emit_json({"results": [r.__dict__ for r in results], "problems": problems})
    else:
        table("knowledge added", ["source", "added", "unchanged", "removed"],
              [(display(r.source), r.added, r.kept, r.removed) for r in results],
              empty="no files added")
    for problem in problems:
        err.print(f"[yellow]skipped:[/] {problem}")
    if problems:
        raise typer.Exit(1)


@app.command()
def search(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="What to look for.")],
    k: Annotated[int, typer.Option("--k", help="At most this many chunks.")] = 3,
    video: Annotated[str | None, typer.Option(help="Rank this video's chunks first.")] = None,
    min_score: Annotated[float | None, typer.Option(help="Override the score floor.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """The chunks a comment like QUERY would be answered from."""
    settings = ctx.obj.settings.knowledge
    floor = settings.min_score if min_score is None else min_score
    hits = ctx.obj.knowledge.search(query, k=k, min_score=floor, video_id=video)
    if as_json:
        emit_json([{"source": h.source, "text": h.text, "score": h.score,
                    "video_id": h.video_id} for h in hits])
        return
    table(f"matches for {query!r}", ["score", "source", "text"],
          [(f"{h.score:.3f}", display(h.source), short(h.text, 90)) for h in hits],
          empty="no chunk scores above the floor: the bot would answer without context")


@app.command("list")
def list_sources(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Documents in the knowledge base with their chunk counts."""
    sources = ctx.obj.knowledge.sources()
    if as_json:
        emit_json([s.__dict__ for s in sources])
        return
    table("knowledge", ["source", "chunks", "ingested (UTC)"],
          [(display(s.source), s.chunks, s.ingested_at) for s in sources],
          empty="the knowledge base is empty: add files with `replybot kb add PATH`")


@app.command()
def remove(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(help="A source as `kb list` shows it.")],
) -> None:
    """Remove a document's chunks."""
    key = str(Path(source).resolve()) if not Path(source).is_absolute() else source
    removed = ctx.obj.knowledge.remove(key) or ctx.obj.knowledge.remove(source)
    if not removed:
        raise KnowledgeError(f"no source {source!r} in the knowledge base: see `replybot kb list`")
    err.print(f"removed {removed} chunks of {source}")
