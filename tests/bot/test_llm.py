"""Both model backends: the real `openai` client over HTTP, and the bundled local model."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import LLMConfig
from bot.errors import ModelError
from bot.llm import LocalChat, OpenAIChat, bundled_model_path, chat_model
from knowledge.threads import machine_threads
from tests.fakes.openai_server import FakeOpenAI

ROOT = Path(__file__).resolve().parents[2]
MESSAGES = [{"role": "system", "content": "You are Lina."},
            {"role": "user", "content": "Comment:\n\"What grinder?\""}]


def config(server: FakeOpenAI, **overrides: object) -> LLMConfig:
    values: dict[str, object] = {"base_url": server.base_url, "api_key": "sk-test",
                                 "model": "ft:gpt-4o-mini:lina:1", "max_retries": 0}
    values.update(overrides)
    return LLMConfig(**values)  # type: ignore[arg-type]


def test_openai_backend_sends_the_configured_model_and_key(fake_openai: FakeOpenAI) -> None:
    chat = chat_model(config(fake_openai))
    assert isinstance(chat, OpenAIChat)
    completion = chat.complete(MESSAGES, max_tokens=50)
    assert completion.text.startswith("Thanks for writing!")
    assert completion.model == "ft:gpt-4o-mini:lina:1" and completion.prompt_tokens
    [request] = fake_openai.requests
    assert request["auth"] == "Bearer sk-test"
    assert request["body"]["model"] == "ft:gpt-4o-mini:lina:1"
    assert request["body"]["max_tokens"] == 50 and request["body"]["messages"] == MESSAGES


def test_openai_backend_retries_server_errors(fake_openai: FakeOpenAI) -> None:
    fake_openai.behaviour.fail_with = [503, 500]
    chat = OpenAIChat(config(fake_openai, max_retries=2))
    assert chat.complete(MESSAGES, 20).text
    assert len(fake_openai.requests) == 3


@pytest.mark.parametrize(("status", "message"), [
    (401, "refused the API key"), (404, "has no model"), (500, "model endpoint error")])
def test_openai_errors_become_model_errors_that_say_what_to_fix(
        fake_openai: FakeOpenAI, status: int, message: str) -> None:
    fake_openai.behaviour.fail_with = [status]
    with pytest.raises(ModelError, match=message):
        OpenAIChat(config(fake_openai)).complete(MESSAGES, 20)


def test_unreachable_endpoint_is_a_model_error() -> None:
    chat = OpenAIChat(LLMConfig(base_url="http://127.0.0.1:9/v1", max_retries=0, timeout_s=2))
    with pytest.raises(ModelError):
        chat.complete(MESSAGES, 20)


@pytest.mark.slow
def test_bundled_local_model_drafts_offline() -> None:
    assert bundled_model_path().exists()
    chat = chat_model(LLMConfig(temperature=0.0))
    assert isinstance(chat, LocalChat)
    completion = chat.complete(MESSAGES, max_tokens=24)
    assert completion.text.strip()
    assert completion.model == "local:SmolLM2-135M-Instruct.Q4_1"
    assert completion.completion_tokens and completion.completion_tokens <= 24


def test_missing_local_model_file_says_which_key_to_fix(tmp_path: object) -> None:
    chat = LocalChat(LLMConfig(local_model_path=f"{tmp_path}/missing.gguf"))  # type: ignore[arg-type]
    from bot.errors import ConfigError

    with pytest.raises(ConfigError, match="local_model_path"):
        chat.complete(MESSAGES, 10)


def test_the_local_model_reads_the_prompt_on_every_core_and_writes_on_one() -> None:
    chat = LocalChat(LLMConfig())
    assert (chat.batch_threads, chat.threads) == (machine_threads(), 1)
    pinned = LocalChat(LLMConfig(local_threads=3))
    assert (pinned.batch_threads, pinned.threads) == (3, 3)


def test_comments_that_are_never_drafted_never_load_a_chat_model(tmp_path: Path) -> None:
    """Spam and empty comments are skipped without waiting for an API client (the `openai`
    package alone takes about half a second to import) or a model file."""
    (tmp_path / "inbox.jsonl").write_text(
        '{"id": "c1", "author": "Bot", "text": "I earn $500/day, DM me"}\n'
        '{"id": "c2", "author": "Ann", "text": "   "}\n', encoding="utf-8")
    probe = ("import atexit, sys\n"
             "atexit.register(lambda: print('chat model', 'llama_cpp' in sys.modules "
             "or 'openai' in sys.modules))\n"
             "sys.argv = ['replybot', 'run', '--once']\n"
             "from bot.cli import main\nmain()\n")
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "REPLYBOT_DATA_DIR": str(tmp_path),
           "REPLYBOT_CONNECTORS__LOCAL__ENABLED": "true",
           "REPLYBOT_LLM__BASE_URL": "http://127.0.0.1:9/v1"}  # never asked
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            env=env, timeout=120, cwd=tmp_path)
    assert '"skipped": 2' in result.stderr + result.stdout, result.stderr[-2000:]
    assert "chat model False" in result.stdout, result.stderr[-2000:]
