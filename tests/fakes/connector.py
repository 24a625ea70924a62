"""An in-memory connector: push comments in, read what was posted, inject failures."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from connectors.base import Comment, Connector, FetchResult, PostedReply


class FakeConnector(Connector):
    name = "fake"

    def __init__(self, name: str = "fake", max_reply_chars: int = 500) -> None:
        self.name = name
        self.max_reply_chars = max_reply_chars
        self.inbox: list[Comment] = []
        self.posted: list[PostedReply] = []
        self.post_calls = 0
        self.find_calls = 0
        #: raised (once each, in order) by the next post_reply calls, before or after posting
        self.fail_before_post: list[BaseException] = []
        self.fail_after_post: list[BaseException] = []
        self.fail_fetch: list[BaseException] = []
        self.fail_find: list[BaseException] = []
        #: seconds a post takes (a slow platform)
        self.post_delay_s = 0.0
        self._ids = itertools.count(1)

    def push_comment(self, text: str, author: str = "viewer", **fields: object) -> Comment:
        comment_id = str(fields.pop("comment_id", f"c{len(self.inbox) + 1}"))
        comment = Comment(platform=self.name, comment_id=comment_id, author=author,
                          author_id=author, text=text, **fields)  # type: ignore[arg-type]
        self.inbox.append(comment)
        return comment

    def fetch_new(self, cursor: str | None) -> FetchResult:
        if self.fail_fetch:
            raise self.fail_fetch.pop(0)
        start = int(cursor or 0)
        return FetchResult(self.inbox[start:], str(len(self.inbox)))

    def post_reply(self, comment: Comment, text: str) -> PostedReply:
        self.post_calls += 1
        time.sleep(self.post_delay_s)
        if self.fail_before_post:
            raise self.fail_before_post.pop(0)
        reply = PostedReply(f"r{next(self._ids)}", comment.comment_id, text, datetime.now(UTC))
        self.posted.append(reply)
        if self.fail_after_post:
            raise self.fail_after_post.pop(0)
        return reply

    def find_reply(self, comment: Comment, texts: Sequence[str]) -> PostedReply | None:
        self.find_calls += 1
        if self.fail_find:
            raise self.fail_find.pop(0)
        return next((r for r in self.posted
                     if r.parent_id == comment.comment_id and r.text in texts), None)

    def replies_to(self, comment_id: str) -> list[PostedReply]:
        return [r for r in self.posted if r.parent_id == comment_id]


class RecordingModel:
    """A chat model that records what it was asked and answers by rule."""

    def __init__(self, reply: Callable[[list[dict[str, str]]], str] | str = "Thanks! Glad it "
                 "helped.", model_id: str = "fake-model") -> None:
        self.reply = reply
        self.model_id = model_id
        self.calls: list[list[dict[str, str]]] = []
        self.fail: list[Exception] = []

    def complete(self, messages: list[dict[str, str]], max_tokens: int):  # noqa: ANN201
        from bot.llm import Completion

        self.calls.append(messages)
        if self.fail:
            raise self.fail.pop(0)
        text = self.reply(messages) if callable(self.reply) else self.reply
        return Completion(text, self.model_id, 10, 5)
