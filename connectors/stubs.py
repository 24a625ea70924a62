"""Connectors for platforms whose comment APIs replybot cannot use yet.

Each implements the interface so it can be enabled in config; on start it stops with a message
that says what the platform offers and what a real implementation would need. The rest of the
bot keeps running. See the README section "Xiaohongshu, Douyin and Kuaishou".
"""

from __future__ import annotations

from collections.abc import Sequence

from connectors.base import Comment, Connector, FetchResult, PostedReply
from connectors.errors import NotSupported


class UnsupportedPlatform(Connector):
    """A connector that explains why it cannot run."""

    reason = ""

    def open(self) -> None:
        raise NotSupported(f"{self.name}: {self.reason}", platform=self.name)

    def fetch_new(self, cursor: str | None) -> FetchResult:
        raise NotSupported(f"{self.name}: {self.reason}", platform=self.name)

    def post_reply(self, comment: Comment, text: str) -> PostedReply:
        raise NotSupported(f"{self.name}: {self.reason}", platform=self.name)

    def find_reply(self, comment: Comment, texts: Sequence[str]) -> PostedReply | None:
        raise NotSupported(f"{self.name}: {self.reason}", platform=self.name)


class XiaohongshuConnector(UnsupportedPlatform):
    name = "xiaohongshu"
    max_reply_chars = 1_000
    reason = ("Xiaohongshu (RED) publishes no API for creators to read or reply to comments on "
              "their notes; its open platform covers e-commerce and ads only. Disable "
              "[connectors.xiaohongshu], or feed its comments through the local connector.")


class DouyinConnector(UnsupportedPlatform):
    name = "douyin"
    max_reply_chars = 1_000
    reason = ("Douyin's comment APIs (/item/comment/list/ and /item/comment/reply/) need an app "
              "approved for the item.comment scope on the Douyin Open Platform, authorised by "
              "the creator's account; replybot has no such approval to build against yet. "
              "Disable [connectors.douyin], or feed its comments through the local connector.")


class KuaishouConnector(UnsupportedPlatform):
    name = "kuaishou"
    max_reply_chars = 1_000
    reason = ("Kuaishou's open platform offers no comment read or reply API for creators. "
              "Disable [connectors.kuaishou], or feed its comments through the local connector.")


STUBS: dict[str, type[UnsupportedPlatform]] = {
    cls.name: cls for cls in (XiaohongshuConnector, DouyinConnector, KuaishouConnector)
}
