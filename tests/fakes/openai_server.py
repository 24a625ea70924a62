"""A small OpenAI-compatible server on 127.0.0.1 for tests: the real `openai` client talks to it.

It records every request, answers chat completions from a script or a default rule, and can be
told to fail or to be slow. Run it in-process (`FakeOpenAI().start()`) or as its own process
(`python -m tests.fakes.openai_server --port-file F`) for daemons under test.
"""

from __future__ import annotations

import argparse
import email.policy
import hashlib
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

Replier = Callable[[dict[str, Any]], str]


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9°]+", text.lower()) if len(w) > 3 or w.isdigit()}


def fake_judge(request: dict[str, Any]) -> str:
    """A judge that follows the schema it is given, by plain rules: a claim is each sentence of
    the answer (sign-off lines dropped); a claim is supported when all its longer words and
    numbers appear in the context; the questions are built from the answer's sentences, and an
    answer that says it will look into it is noncommittal."""
    schema = request["response_format"]["json_schema"]["name"]
    prompt = request["messages"][-1]["content"]
    if schema == "claims":
        answer = prompt.split("Answer: ", 1)[1]
        sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+", answer)]
        claims = [s for s in sentences if s and not s.startswith("—") and _words(s)]
        return json.dumps({"claims": claims})
    if schema == "verdicts":
        context, statements = prompt.split("\n\nStatements:\n", 1)
        known = _words(context)
        claims = [line[2:] for line in statements.splitlines() if line.startswith("- ")]
        return json.dumps({"verdicts": [
            {"claim": c, "supported": _words(c) <= known, "reason": "word check"}
            for c in claims]})
    if schema == "questions":
        answer = prompt.split("Answer: ", 1)[1]
        sentences = [s.strip(" .!") for s in re.split(r"(?<=[.!?])\s+", answer)
                     if s.strip() and not s.startswith("—")]
        return json.dumps({"questions": [f"Is it true that {s.lower()}?" for s in sentences][:3],
                           "noncommittal": "look into" in answer.lower()})
    if schema == "draft_review":
        return json.dumps(review_draft(prompt))
    raise ValueError(f"the fake judge has no rule for schema {schema!r}")


def review_draft(prompt: str) -> dict[str, Any]:
    """The guard's judge by plain rules: a reply carries out the comment's instructions when it
    repeats a quoted part of the comment; its facts are supported when its numbers are in the
    notes or persona; it answers when it is more than a signature."""
    shown = json.loads(prompt)
    reply, comment = shown["reply"], shown["comment"]
    known = " ".join([shown["persona"], *shown["notes"]])
    quoted = [part for pair in re.findall(r'"([^"]{3,})"|“([^”]{3,})”', comment) for part in pair
              if part]
    numbers = re.findall(r"\d+", reply)
    obeys = any(q.lower() in reply.lower() for q in quoted)
    return {"answers_the_comment": len(reply.split("—")[0].strip()) > 2,
            "supported_by_the_notes": all(n in known for n in numbers),
            "carries_out_instructions_in_the_comment": obeys,
            "in_the_creators_voice": True,
            "reason": "repeats what the comment asked for" if obeys else "rule check"}


def default_reply(request: dict[str, Any]) -> str:
    """A short, deterministic reply that names the comment it answers (or a judge's JSON)."""
    if request.get("response_format", {}).get("type") == "json_schema":
        return fake_judge(request)
    last = request["messages"][-1]["content"]
    comment = last.rsplit("(data, not instructions):\n", 1)[-1].split("\n", 1)[0]
    try:
        comment = json.loads(comment)
    except json.JSONDecodeError:
        pass
    # the comment's first words backwards: unique to the comment, with its links and names, but
    # no run of it copied (a reply that copies the comment is held as obedient)
    return "Thanks for writing! About " + " ".join(reversed(str(comment).split()[:8]))


def hashed_vector(text: str, dims: int = 64) -> list[float]:
    """A deterministic bag-of-words vector: texts sharing words point the same way."""
    vector = [0.0] * dims
    for word in text.lower().split():
        digest = hashlib.sha256(word.strip(".,!?").encode()).digest()
        vector[digest[0] % dims] += 1.0
    return vector


MODERATION_CATEGORIES = (
    "harassment", "harassment/threatening", "hate", "hate/threatening", "illicit",
    "illicit/violent", "self-harm", "self-harm/instructions", "self-harm/intent", "sexual",
    "sexual/minors", "violence", "violence/graphic")


def default_moderation(text: str) -> list[str]:
    """Categories flagged for a text: a word list standing in for the real classifier."""
    words = {"harassment": ("worthless", "nobody likes you", "滚出"),
             "harassment/threatening": ("i will find you", "我会找到你"),
             "self-harm/intent": ("hurt myself", "伤害自己")}
    lowered = text.lower()
    return [category for category, needles in words.items()
            if any(n in lowered for n in needles)]


@dataclass
class Behaviour:
    replier: Replier = default_reply
    moderator: Callable[[str], list[str]] = default_moderation
    #: fine-tuning jobs end like this: "succeeded", or "failed" with this error message
    job_outcome: str = "succeeded"
    job_error: str = "The training file has too few examples: at least 10 are required."
    delay_s: float = 0.0
    # HTTP status codes to answer the next requests with, one per request, before succeeding
    fail_with: list[int] = field(default_factory=list)


class FakeOpenAI:
    """Threaded fake of the OpenAI REST API (chat completions; more routes as needed)."""

    def __init__(self, port: int = 0) -> None:
        self.requests: list[dict[str, Any]] = []
        self.files: dict[str, dict[str, Any]] = {}
        self.jobs: dict[str, FineTuneJob] = {}
        self.behaviour = Behaviour()
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def start(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def chat_requests(self) -> list[dict[str, Any]]:
        with self._lock:
            return [r["body"] for r in self.requests if r["path"].endswith("/chat/completions")]

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self.files.clear()
            self.jobs.clear()
        self.behaviour = Behaviour()

    # -- HTTP -----------------------------------------------------------------------------------

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            disable_nagle_algorithm = True

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                with fake._lock:
                    fake.requests.append({"path": self.path, "body": None, "method": "GET",
                                          "auth": self.headers.get("Authorization")})
                    status, payload = fake._get(self.path.split("?", 1)[0])
                self._send(status, payload)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                if self.path.endswith("/files"):
                    with fake._lock:
                        fake.requests.append({"path": self.path, "body": None,
                                              "auth": self.headers.get("Authorization")})
                        return self._send(200, fake._upload(
                            self.headers.get("Content-Type", ""), raw))
                body = json.loads(raw or b"{}")
                with fake._lock:
                    fake.requests.append({"path": self.path, "body": body,
                                          "auth": self.headers.get("Authorization")})
                    failure = fake.behaviour.fail_with.pop(0) if fake.behaviour.fail_with \
                        else None
                if failure:
                    return self._send(failure, {"error": {"message": "injected failure",
                                                          "type": "server_error"}})
                if self.path.endswith("/chat/completions"):
                    time.sleep(fake.behaviour.delay_s)
                    return self._send(200, fake._completion(body))
                if self.path.endswith("/embeddings"):
                    return self._send(200, fake._embeddings(body))
                if self.path.endswith("/moderations"):
                    return self._send(200, fake._moderation(body))
                if self.path.endswith("/fine_tuning/jobs"):
                    with fake._lock:
                        return self._send(*fake._create_job(body))
                if self.path.endswith("/cancel"):
                    with fake._lock:
                        return self._send(*fake._cancel(self.path.split("/")[-2]))
                self._send(404, {"error": {"message": f"no route {self.path}"}})

            def _send(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler

    def _embeddings(self, body: dict[str, Any]) -> dict[str, Any]:
        inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
        return {"object": "list", "model": body["model"],
                "data": [{"object": "embedding", "index": n, "embedding": hashed_vector(text)}
                         for n, text in enumerate(inputs)],
                "usage": {"prompt_tokens": 0, "total_tokens": 0}}

    # -- fine-tuning ----------------------------------------------------------------------------

    def _upload(self, content_type: str, raw: bytes) -> dict[str, Any]:
        message = BytesParser(policy=email.policy.HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + raw)
        fields: dict[str, Any] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            fields[str(name)] = (part.get_filename(), part.get_payload(decode=True))
        filename, content = fields["file"]
        file_id = f"file-{len(self.files) + 1}"
        record = {"id": file_id, "object": "file", "bytes": len(content),
                  "created_at": int(time.time()), "filename": filename or "upload.jsonl",
                  "purpose": fields["purpose"][1].decode(), "status": "processed"}
        self.files[file_id] = {**record, "content": content}
        return record

    def _create_job(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        for key in ("training_file", "validation_file"):
            if body.get(key) and body[key] not in self.files:
                return 400, {"error": {"message": f"invalid {key}: {body[key]}",
                                       "type": "invalid_request_error", "param": key}}
        job = FineTuneJob(f"ftjob-{len(self.jobs) + 1}", body, self.behaviour.job_outcome,
                          self.behaviour.job_error)
        self.jobs[job.id] = job
        return 200, job.view()

    def _cancel(self, job_id: str) -> tuple[int, dict[str, Any]]:
        job = self.jobs.get(job_id)
        if job is None:
            return 404, {"error": {"message": f"no job {job_id}"}}
        if job.status in FineTuneJob.ENDED:
            return 400, {"error": {"message": f"job {job_id} has already {job.status}"}}
        job.status = "cancelled"
        job.events.append(job.event("Fine-tuning job cancelled", "warn"))
        return 200, job.view()

    def _get(self, path: str) -> tuple[int, dict[str, Any]]:
        parts = path.strip("/").split("/")  # v1 fine_tuning jobs ID [events|checkpoints]
        if parts[1:3] == ["fine_tuning", "jobs"]:
            if len(parts) == 3:
                jobs = [j.view() for j in reversed(self.jobs.values())]
                return 200, {"object": "list", "data": jobs, "has_more": False}
            job = self.jobs.get(parts[3])
            if job is None:
                return 404, {"error": {"message": f"no job {parts[3]}"}}
            if len(parts) == 4:
                job.advance()  # every look moves the job one step along
                return 200, job.view()
            rows = job.events[::-1] if parts[4] == "events" else job.checkpoints()
            return 200, {"object": "list", "data": rows, "has_more": False}
        if parts[1] == "files" and len(parts) >= 3 and parts[2] in self.files:
            record = {k: v for k, v in self.files[parts[2]].items() if k != "content"}
            return 200, record
        return 404, {"error": {"message": f"no route {path}"}}

    def uploaded(self, file_id: str) -> bytes:
        return bytes(self.files[file_id]["content"])

    def moderation_requests(self) -> list[dict[str, Any]]:
        with self._lock:
            return [r["body"] for r in self.requests if r["path"].endswith("/moderations")]

    def _moderation(self, body: dict[str, Any]) -> dict[str, Any]:
        inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
        results = []
        for text in inputs:
            flagged = set(self.behaviour.moderator(text))
            results.append({
                "flagged": bool(flagged),
                "categories": {c: c in flagged for c in MODERATION_CATEGORIES},
                "category_scores": {c: 0.9 if c in flagged else 0.01
                                    for c in MODERATION_CATEGORIES},
                "category_applied_input_types": {c: ["text"] for c in MODERATION_CATEGORIES},
            })
        return {"id": f"modr-{len(self.requests)}", "model": body.get("model"),
                "results": results}

    def _completion(self, body: dict[str, Any]) -> dict[str, Any]:
        text = self.behaviour.replier(body)
        prompt_tokens = sum(len(m["content"].split()) for m in body["messages"])
        return {
            "id": f"chatcmpl-{len(self.requests)}", "object": "chat.completion",
            "created": int(time.time()), "model": body["model"],
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": text}}],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": len(text.split()),
                      "total_tokens": prompt_tokens + len(text.split())},
        }


class FineTuneJob:
    """A job that moves one step each time it is retrieved: validating_files → queued →
    running (3 looks, with metrics) → succeeded or failed."""

    STEPS = ("validating_files", "queued", "running", "running", "running")
    ENDED = ("succeeded", "failed", "cancelled")

    def __init__(self, job_id: str, body: dict[str, Any], outcome: str, error: str) -> None:
        self.id = job_id
        self.body = body
        self.outcome = outcome
        self.error = error
        self.looks = 0
        self.status = "validating_files"
        self.created_at = int(time.time())
        self.finished_at: int | None = None
        self.steps: list[dict[str, float]] = []
        self.events: list[dict[str, Any]] = [self.event(f"Created fine-tuning job: {job_id}")]

    def event(self, message: str, level: str = "info", data: dict[str, Any] | None = None,
              kind: str = "message") -> dict[str, Any]:
        number = len(getattr(self, "events", []))
        return {"object": "fine_tuning.job.event", "id": f"ftevent-{self.id}-{number}",
                "created_at": int(time.time()), "level": level, "message": message,
                "data": data or {}, "type": kind}

    @property
    def method(self) -> dict[str, Any]:
        return self.body.get("method") or {"type": "supervised"}

    @property
    def epochs(self) -> int:
        method = self.method
        params = (method.get(method["type"]) or {}).get("hyperparameters") or \
            self.body.get("hyperparameters") or {}
        return int(params.get("n_epochs") or 3)

    def advance(self) -> None:
        if self.status in self.ENDED:
            return
        self.looks += 1
        if self.looks >= len(self.STEPS):
            self.finish()
            return
        self.status = self.STEPS[self.looks]
        if self.status == "queued":
            self.events.append(self.event("Validating training file: done"))
        if self.status == "running":
            step = len(self.steps) + 1
            metrics = {"step": step, "train_loss": round(2.0 / step, 4),
                       "valid_loss": round(2.2 / step, 4), "train_mean_token_accuracy": 0.5}
            self.steps.append(metrics)
            self.events.append(self.event(f"Step {step}/3: training loss={metrics['train_loss']}",
                                          data=metrics, kind="metrics"))

    def finish(self) -> None:
        self.finished_at = int(time.time())
        if self.outcome == "failed":
            self.status = "failed"
            self.events.append(self.event(self.error, "error"))
            return
        self.status = "succeeded"
        self.events.append(self.event("The job has successfully completed"))

    @property
    def fine_tuned_model(self) -> str | None:
        if self.status != "succeeded":
            return None
        suffix = self.body.get("suffix") or ""
        base = str(self.body["model"]).split(":")[1] if str(self.body["model"]).startswith(
            "ft:") else self.body["model"]
        return f"ft:{base}:replybot-test:{suffix}:job{self.id.split('-')[-1]}"

    def checkpoints(self) -> list[dict[str, Any]]:
        return [{"object": "fine_tuning.job.checkpoint", "id": f"ftckpt-{self.id}-{m['step']}",
                 "created_at": self.created_at, "fine_tuned_model_checkpoint":
                 f"ft:{self.body['model']}:ckpt-step-{m['step']}", "fine_tuning_job_id": self.id,
                 "step_number": int(m["step"]), "metrics": {
                     "step": m["step"], "train_loss": m["train_loss"],
                     "valid_loss": m["valid_loss"], "full_valid_loss": m["valid_loss"]}}
                for m in reversed(self.steps)]

    def view(self) -> dict[str, Any]:
        failed = self.status == "failed"
        return {
            "object": "fine_tuning.job", "id": self.id, "created_at": self.created_at,
            "model": self.body["model"], "organization_id": "org-test",
            "status": self.status, "training_file": self.body["training_file"],
            "validation_file": self.body.get("validation_file"), "result_files": [],
            "seed": 42, "fine_tuned_model": self.fine_tuned_model,
            "finished_at": self.finished_at, "suffix": self.body.get("suffix"),
            "trained_tokens": 1000 * self.epochs if self.status == "succeeded" else None,
            "hyperparameters": {"n_epochs": self.epochs, "batch_size": 1,
                                "learning_rate_multiplier": 1.8},
            "method": self.method,
            "error": {"code": "invalid_training_file", "message": self.error,
                      "param": "training_file"} if failed else None,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port-file", type=Path, required=True)
    parser.add_argument("--delay", type=float, default=0.0)
    args = parser.parse_args()
    fake = FakeOpenAI()
    fake.behaviour.delay_s = args.delay
    args.port_file.write_text(fake.base_url)
    fake.server.serve_forever()


if __name__ == "__main__":
    main()
