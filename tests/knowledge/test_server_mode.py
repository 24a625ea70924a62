"""Server mode: the knowledge base through a real Chroma server started on 127.0.0.1."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from knowledge.embeddings import E5Embedder
from knowledge.loaders import Document
from knowledge.store import KnowledgeBase, open_client
from tests.e2e.harness import free_port

CHROMA = str(Path(sys.executable).parent / "chroma")



@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    server = subprocess.Popen([CHROMA, "run", "--path", str(tmp_path_factory.mktemp("srv")),
                               "--host", "127.0.0.1", "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1)
            break
        except OSError:
            time.sleep(0.2)
    else:
        server.kill()
        pytest.fail("the Chroma server did not start")
    yield url
    server.terminate()
    server.wait(timeout=30)


def test_two_clients_share_one_server(chroma_url: str) -> None:
    writer = KnowledgeBase(open_client(url=chroma_url), E5Embedder(), collection="shared-kb")
    writer.add(Document("gear.md", "My grinder is a Comandante C40 set to 24 clicks."))
    reader = KnowledgeBase(open_client(url=chroma_url), E5Embedder(), collection="shared-kb")
    [hit] = reader.search("which grinder do you use", k=1, min_score=0)
    assert hit.source == "gear.md" and "C40" in hit.text
    writer.add(Document("kettle.md", "My kettle is a Fellow Stagg EKG."))
    assert reader.search("Fellow Stagg EKG", k=1)[0].source == "kettle.md"  # BM25 refreshed


def test_each_workspace_has_its_own_collection_on_one_server(
        chroma_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.app import build_knowledge
    from bot.workspaces import load_workspaces

    (tmp_path / "replybot.toml").write_text(
        f'[knowledge]\nchroma_url = "{chroma_url}"\n[workspaces.ana]\n[workspaces.ben]\n',
        encoding="utf-8")
    monkeypatch.setenv("REPLYBOT_DATA_DIR", str(tmp_path / "data"))
    found = load_workspaces(tmp_path / "replybot.toml")
    embedder = E5Embedder()
    ana, ben = (build_knowledge(found.get(name), embedder) for name in ("ana", "ben"))
    ana.add(Document("gear.md", "My grinder is a Comandante C40 set to 24 clicks."))
    assert [h.source for h in ana.search("which grinder", k=1, min_score=0)] == ["gear.md"]
    assert ben.search("which grinder", k=1, min_score=0) == []
    assert (ana.name, ben.name) == ("replybot-knowledge-ana", "replybot-knowledge-ben")
