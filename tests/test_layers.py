"""The packages are the architecture: a lower layer never imports a higher one, `connectors` and
`knowledge` never import `bot`, and no two modules import each other, even lazily.

The layers of `bot`, lowest first (README, Development):

    foundation   bot.errors, bot.config, bot.workspaces, bot.log, bot.clock, bot.domain, bot.jsonl,
                 bot.packages, bot.llm, bot.output
    state        bot.state.*        the database, repositories, migrations, backup
    pipeline     bot.pipeline.*     per-comment stages and the one decision
    offline      bot.voice.*, bot.evaluation.*   training data, fine-tuning, evaluation
    service      bot.service.*      daemon, posting, pacing, quota, health, metrics
    use cases    bot.usecases.*     the queue, training, knowledge sync, for every front end
    composition  bot.app            the one place parts are built from Settings
    diagnosis    bot.doctor         checks of a composed App
    web and chat bot.web.*, bot.chat.*   the approval page and chat buttons (the CLI starts them)
    front ends   bot.cli.*, bot.__main__
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "connectors", "knowledge")

LAYERS: list[tuple[str, ...]] = [
    ("bot", "bot.errors", "bot.config", "bot.workspaces", "bot.log", "bot.clock", "bot.domain",
     "bot.jsonl", "bot.packages", "bot.llm", "bot.output"),
    ("bot.state",),
    ("bot.pipeline",),
    ("bot.voice", "bot.evaluation"),
    ("bot.service",),
    ("bot.usecases",),
    ("bot.app",),
    ("bot.doctor",),
    ("bot.web", "bot.chat"),
    ("bot.cli", "bot.__main__"),
]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" not in path.parts:
                found[module_name(path)] = path
    return found


def imports(path: Path, name: str) -> Iterator[str]:
    """Every module `path` imports, at any depth of the file (lazy imports count)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def internal_graph() -> dict[str, set[str]]:
    found = modules()
    graph: dict[str, set[str]] = {}
    for name, path in found.items():
        graph[name] = {target for target in imports(path, name)
                       if target in found and target != name}
    return graph


def rank(module: str) -> int | None:
    best: tuple[int, int] | None = None
    for index, layer in enumerate(LAYERS):
        for prefix in layer:
            if module == prefix or module.startswith(prefix + "."):
                if prefix == "bot" and module != "bot":
                    continue
                if best is None or len(prefix) > best[1]:
                    best = (index, len(prefix))
    return best[0] if best else None


def top_package(module: str) -> str:
    if module == "bot.__main__":  # `python -m bot` is the command line
        return "bot.cli"
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "bot" and len(parts) > 1 else parts[0]


GRAPH = internal_graph()


def test_every_bot_module_has_a_layer() -> None:
    unplaced = sorted(m for m in GRAPH if m.startswith("bot") and rank(m) is None)
    assert not unplaced, f"add these to a layer in tests/test_layers.py and the README: {unplaced}"


def test_connectors_and_knowledge_never_import_bot() -> None:
    bad = [f"{m} imports {t}" for m, targets in GRAPH.items() if not m.startswith("bot")
           for t in targets if t == "bot" or t.startswith("bot.")]
    assert not bad, bad


def test_lower_layers_never_import_higher_ones() -> None:
    bad = []
    for module, targets in GRAPH.items():
        mine = rank(module)
        if mine is None:
            continue
        for target in targets:
            theirs = rank(target)
            if theirs is not None and theirs > mine:
                bad.append(f"{module} (layer {mine}) imports {target} (layer {theirs})")
    assert not bad, "\n".join(bad)


def test_packages_of_one_layer_do_not_import_each_other() -> None:
    bad = [f"{m} imports {t}" for m, targets in GRAPH.items() for t in targets
           if rank(m) is not None and rank(m) == rank(t) and rank(m) != 0
           and top_package(m) != top_package(t)]
    assert not bad, bad


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles() -> None:
    # a package's __init__ re-exporting its modules is not a cycle between parts
    graph = {m: {t for t in targets if not m.startswith(t + ".")} for m, targets in GRAPH.items()}
    assert cycles(graph) == []


@pytest.mark.parametrize("graph,expected", [
    ({"a": {"b"}, "b": {"a"}}, [["a", "b"]]),
    ({"a": {"b"}, "b": set()}, []),
])
def test_the_cycle_finder_finds_cycles(graph: dict[str, set[str]],
                                       expected: list[list[str]]) -> None:
    assert cycles(graph) == expected


def test_the_layer_rules_catch_a_violation() -> None:
    assert rank("bot.state.store") == 1
    assert rank("bot.web.app") == 8
    assert rank("bot.cli.queue") == 9
    assert rank("bot.errors") == 0
    assert rank("bot.pipeline.pipeline") == 2
