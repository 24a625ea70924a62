"""Configuration: TOML plus REPLYBOT_ environment variables, and errors that name the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import build_knowledge
from bot.config import load_settings
from bot.errors import ConfigError
from knowledge.embeddings import E5Embedder


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_file_values_env_overrides_and_nested_keys(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    config = write(tmp_path / "replybot.toml", """
mode = "auto"
[connectors.local]
enabled = true
inbox = "comments/inbox.jsonl"
[llm]
model = "from-file"
""")
    monkeypatch.setenv("REPLYBOT_LLM__MODEL", "ft:gpt-4o-mini:lina")
    monkeypatch.setenv("REPLYBOT_CONNECTORS__LOCAL__OWN_AUTHORS", '["LinaBrews"]')
    monkeypatch.setenv("REPLYBOT_DATA_DIR", str(tmp_path / "state"))
    settings = load_settings(config)
    assert settings.mode == "auto"
    assert settings.llm.model == "ft:gpt-4o-mini:lina"
    assert settings.connectors.local.enabled and settings.connectors.local.own_authors == \
        ["LinaBrews"]
    assert settings.connectors.local.inbox == tmp_path / "comments" / "inbox.jsonl"
    assert settings.data_dir == tmp_path / "state"
    assert settings.db_url == f"sqlite:///{tmp_path / 'state' / 'replybot.db'}"
    assert settings.local_outbox() == tmp_path / "state" / "outbox.jsonl"


def test_defaults_need_no_file_and_no_account(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings(None)
    assert settings.mode == "approve" and settings.llm.resolved_backend() == "local"
    assert settings.knowledge.chunk_tokens == 256 and settings.knowledge.chunk_overlap == 25


def test_api_key_is_secret(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REPLYBOT_LLM__API_KEY", "sk-very-secret")
    settings = load_settings(None)
    assert "sk-very-secret" not in repr(settings) and "sk-very-secret" not in str(settings)
    assert settings.llm.resolved_backend() == "openai"


@pytest.mark.parametrize(("text", "message"), [
    ('mode = "sometimes"', "mode: Input should be 'approve' or 'auto'"),
    ("[connectors.local]\nenabeld = true", "connectors.local.enabeld: unknown key"),
    ('[knowledge]\ntop_k = "many"', "knowledge.top_k: Input should be a valid integer"),
    ("[knowledge]\nchunk_tokens = 64\nchunk_overlap = 64", "chunk_overlap must be smaller"),
    ("mode = ", "not valid TOML"),
])
def test_invalid_config_names_the_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_settings(write(tmp_path / "bad.toml", text))


def test_env_errors_name_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REPLYBOT_SCHEDULE__POLL_INTERVAL_S", "0")
    with pytest.raises(ConfigError, match="REPLYBOT_SCHEDULE__POLL_INTERVAL_S"):
        load_settings(None)


def test_a_missing_config_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "nope.toml")


def test_a_misspelled_variable_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REPLYBOT_DATA_DIRR", "/tmp/x")
    with pytest.raises(ConfigError, match="unknown setting REPLYBOT_DATA_DIRR"):
        load_settings(None)


def test_a_list_variable_that_is_not_json_says_how_to_write_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REPLYBOT_CONNECTORS__LOCAL__OWN_AUTHORS", "LinaBrews")
    with pytest.raises(ConfigError, match="are JSON"):
        load_settings(None)


def test_home_is_expanded_in_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("REPLYBOT_DATA_DIR", "~/state")
    config = write(tmp_path / "r.toml", '[connectors.local]\ninbox = "~/in.jsonl"\n')
    settings = load_settings(config)
    assert settings.data_dir == tmp_path / "state"
    assert settings.connectors.local.inbox == tmp_path / "in.jsonl"


def test_the_retrieval_gate_is_configured_from_the_knowledge_section(tmp_path: Path) -> None:
    config = write(tmp_path / "replybot.toml", f"""
data_dir = "{tmp_path / 'state'}"
[knowledge]
gate = "floor"
min_score = 0.9
agree_rank = 3
margin = 0.05
""")
    kb = build_knowledge(load_settings(config), E5Embedder())
    gate = kb.gate
    assert (gate.mode, gate.min_score, gate.agree_rank, gate.margin) == ("floor", 0.9, 3, 0.05)
    assert gate.agree_coverage == 0.15 and gate.max_unseen == E5Embedder.default_gate.max_unseen
    with pytest.raises(ConfigError, match="knowledge.gate"):
        load_settings(write(tmp_path / "bad.toml", '[knowledge]\ngate = "cosine"'))


def test_the_answerability_gate_is_used_only_where_it_was_fitted(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def gate_for(extra: str) -> str:
        config = write(tmp_path / "replybot.toml", f"""
data_dir = "{tmp_path / 'state'}"
[knowledge]
gate = "answerable"
{extra}
""")
        return str(build_knowledge(load_settings(config), E5Embedder()).gate.mode)

    assert gate_for("") == "answerable"
    # it reads how a hybrid search went: with dense search alone the floor decides, said aloud
    assert gate_for("hybrid = false") == "floor"
    assert "the answerability gate needs the bundled embedder and hybrid search" in \
        capsys.readouterr().out
