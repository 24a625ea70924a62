"""Reports of an evaluation run (results.jsonl, report.md, report.html with charts) and the
comparison of two runs with a paired bootstrap."""

from __future__ import annotations

import html
import json
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bot import jsonl

#: metrics averaged per variant; higher is better except for latency, tokens and cost
QUALITY = ("faithfulness", "answer_relevancy", "voice_similarity", "signature", "length_fit",
           "facts", "guard_pass")
COST = ("latency_ms", "prompt_tokens", "completion_tokens", "cost_usd")
DEFINITIONS = {
    "faithfulness": "claims in the reply supported by the retrieved context / claims (judge)",
    "answer_relevancy": "mean cosine similarity of questions the judge derives from the reply "
                        "to the comment; 0 if evasive",
    "voice_similarity": "cosine similarity of the reply to the creator's reference reply",
    "signature": "the reply ends with the signature",
    "length_fit": "1 inside the length range for the comment's shape, falling to 0 at half or "
                  "twice it",
    "facts": "required facts that appear in the reply",
    "guard_pass": "drafts the guard let through",
    "latency_ms": "retrieval and drafting time per reply",
    "prompt_tokens": "prompt tokens per reply", "completion_tokens": "completion tokens per reply",
    "cost_usd": "cost per reply from [eval] prices",
}


def mean(values: Sequence[float | None]) -> float | None:
    present = [float(v) for v in values if v is not None]
    return statistics.fmean(present) if present else None


def summarize(rows: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per variant: each metric's mean over the drafted replies that have it."""
    summary: dict[str, dict[str, Any]] = {}
    for variant in dict.fromkeys(r["variant"] for r in rows):
        mine = [r for r in rows if r["variant"] == variant]
        drafted = [r for r in mine if r.get("drafted")]
        entry: dict[str, Any] = {"comments": len(mine), "drafted": len(drafted)}
        for name in (*QUALITY, *COST):
            entry[name] = mean([r.get(name) for r in drafted])
        latencies = sorted(r["latency_ms"] for r in drafted)
        entry["latency_p95_ms"] = latencies[max(0, int(len(latencies) * 0.95) - 1)] \
            if latencies else None
        summary[variant] = entry
    return summary


def overall(entry: dict[str, Any]) -> float | None:
    """One number per variant: the mean of its quality metrics."""
    return mean([entry.get(name) for name in QUALITY])


def write_results(out: Path, rows: Sequence[dict[str, Any]]) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    path = out / "results.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                    encoding="utf-8")
    return path


def read_results(path: Path) -> list[dict[str, Any]]:
    if path.is_dir():
        path = path / "results.jsonl"
    return [row for _, row in jsonl.read(path, "the evaluation results")]


def differing(rows: Sequence[dict[str, Any]], n: int = 5) -> list[list[dict[str, Any]]]:
    """The comments where the variants' replies differ most in quality, best first."""
    by_id: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        if row.get("drafted"):
            by_id.setdefault(row["id"], []).append(row)

    def quality(row: dict[str, Any]) -> float:
        return (row.get("faithfulness") or 0) + (row.get("answer_relevancy") or 0)

    groups = [g for g in by_id.values() if len(g) > 1]
    groups.sort(key=lambda g: max(map(quality, g)) - min(map(quality, g)), reverse=True)
    return groups[:n]


def fmt(value: Any, digits: int = 3) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def write_markdown(out: Path, rows: Sequence[dict[str, Any]], set_name: str) -> Path:
    summary = summarize(rows)
    names = ["comments", "drafted", *QUALITY, "latency_ms", "latency_p95_ms",
             "prompt_tokens", "completion_tokens", "cost_usd"]
    lines = [f"# Evaluation: {set_name}", "",
             "| variant | " + " | ".join(names) + " |",
             "| --- | " + " | ".join("---" for _ in names) + " |"]
    for variant, entry in summary.items():
        digits = {"cost_usd": 6, "latency_ms": 1, "latency_p95_ms": 1}
        lines.append(f"| {variant} | " + " | ".join(fmt(entry[n], digits.get(n, 3))
                                                     for n in names) + " |")
    lines += ["", "## Definitions", ""]
    lines += [f"- **{name}**: {text}" for name, text in DEFINITIONS.items()]
    lines += ["", "## Where the variants differ most", ""]
    for group in differing(rows):
        lines.append(f"### {group[0]['id']}: {group[0]['comment']}")
        for row in group:
            lines.append(f"- **{row['variant']}** (faithfulness {fmt(row.get('faithfulness'))}, "
                         f"relevancy {fmt(row.get('answer_relevancy'))}): "
                         f"{row['reply'].replace(chr(10), ' ')}")
        lines.append("")
    path = out / "report.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_charts(out: Path, rows: Sequence[dict[str, Any]]) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")  # no display on a server
    import matplotlib.pyplot as plt

    summary = summarize(rows)
    variants = list(summary)
    shown = [m for m in QUALITY if any(summary[v][m] is not None for v in variants)]
    figure, axes = plt.subplots(figsize=(max(6, 1.3 * len(shown) * len(variants)), 4))
    width = 0.8 / max(1, len(variants))
    for n, variant in enumerate(variants):
        values = [summary[variant][m] or 0 for m in shown]
        axes.bar([i + n * width for i in range(len(shown))], values, width, label=variant)
    axes.set_xticks([i + width * (len(variants) - 1) / 2 for i in range(len(shown))], shown,
                    rotation=20)
    axes.set_ylim(0, 1.05)
    axes.set_title("quality per variant (higher is better)")
    axes.legend()
    figure.tight_layout()
    metrics_png = out / "metrics.png"
    figure.savefig(metrics_png, dpi=100)
    plt.close(figure)

    figure, axes = plt.subplots(figsize=(6, 4))
    for variant in variants:
        entry = summary[variant]
        quality = mean([entry["faithfulness"], entry["answer_relevancy"]]) or 0
        spend = entry["cost_usd"] if entry["cost_usd"] is not None else 0
        axes.scatter([spend * 1000], [quality], s=80)
        axes.annotate(variant, (spend * 1000, quality), textcoords="offset points",
                      xytext=(6, 6))
    axes.set_xlabel("cost per 1,000 replies (USD)")
    axes.set_ylabel("mean of faithfulness and relevancy")
    axes.set_title("cost vs quality")
    figure.tight_layout()
    cost_png = out / "cost_quality.png"
    figure.savefig(cost_png, dpi=100)
    plt.close(figure)
    return [metrics_png, cost_png]


def write_html(out: Path, rows: Sequence[dict[str, Any]], set_name: str,
               charts: Sequence[Path]) -> Path:
    summary = summarize(rows)
    names = ["drafted", *QUALITY, "latency_ms", "cost_usd"]
    head = "".join(f"<th>{html.escape(n)}</th>" for n in names)
    body = "".join(
        f"<tr><td>{html.escape(v)}</td>" + "".join(f"<td>{fmt(e[n], 6 if n == 'cost_usd' else 3)}"
                                                  "</td>" for n in names) + "</tr>"
        for v, e in summary.items())
    images = "".join(f'<p><img src="{c.name}" alt="{html.escape(c.stem)}"></p>' for c in charts)
    examples = ""
    for group in differing(rows):
        cells = "".join(f"<td><b>{html.escape(r['variant'])}</b><br>"
                        f"{html.escape(r['reply'])}<br><small>faithfulness "
                        f"{fmt(r.get('faithfulness'))}, relevancy "
                        f"{fmt(r.get('answer_relevancy'))}</small></td>" for r in group)
        examples += (f"<tr><td>{html.escape(group[0]['comment'])}</td>{cells}</tr>")
    definitions = "".join(f"<li><b>{html.escape(k)}</b>: {html.escape(v)}</li>"
                          for k, v in DEFINITIONS.items())
    page = (f"<!doctype html><meta charset=utf-8><title>Evaluation: {html.escape(set_name)}"
            "</title><style>body{font-family:sans-serif;margin:2em}td,th{border:1px solid #ccc;"
            "padding:4px 8px;vertical-align:top}table{border-collapse:collapse}</style>"
            f"<h1>Evaluation: {html.escape(set_name)}</h1><table><tr><th>variant</th>{head}</tr>"
            f"{body}</table>{images}<h2>Where the variants differ most</h2><table>{examples}"
            f"</table><h2>Definitions</h2><ul>{definitions}</ul>")
    path = out / "report.html"
    path.write_text(page, encoding="utf-8")
    return path


@dataclass(frozen=True)
class Delta:
    metric: str
    old: float
    new: float
    low: float
    high: float
    pairs: int

    @property
    def significant(self) -> bool:
        return self.low > 0 or self.high < 0

    def to_json(self) -> dict[str, Any]:
        return {"metric": self.metric, "old": self.old, "new": self.new,
                "delta": self.new - self.old, "ci95": [self.low, self.high],
                "pairs": self.pairs, "significant": self.significant}


def compare(old: Sequence[dict[str, Any]], new: Sequence[dict[str, Any]],
            resamples: int = 2_000, seed: int = 7) -> list[Delta]:
    """Per metric: the mean over comments both runs scored, and a 95% bootstrap interval of the
    paired difference (new - old). A run with several variants is compared on its first."""
    def first(rows: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        variant = rows[0]["variant"] if rows else None
        return {r["id"]: r for r in rows if r["variant"] == variant and r.get("drafted")}

    before, after = first(old), first(new)
    rng = np.random.default_rng(seed)
    deltas = []
    for metric in (*QUALITY, *COST):
        pairs = [(before[i][metric], after[i][metric]) for i in before.keys() & after.keys()
                 if before[i].get(metric) is not None and after[i].get(metric) is not None]
        if not pairs:
            continue
        values = np.array(pairs, dtype=float)
        diffs = values[:, 1] - values[:, 0]
        samples = rng.choice(diffs, size=(resamples, len(diffs)), replace=True).mean(axis=1)
        low, high = np.percentile(samples, [2.5, 97.5])
        deltas.append(Delta(metric, float(values[:, 0].mean()), float(values[:, 1].mean()),
                            float(low), float(high), len(pairs)))
    return deltas
