"""`kb sync-youtube`: a channel's videos, and the creator's own answers, as knowledge.

Works with any connector that can list its videos (`connectors.base.VideoLister`).

Each video becomes a document tagged with its id (title and description), so retrieval can rank
the commented video's facts first. The creator's replies stored from YouTube, paired with the
comment they answered, become one more document per video: the most direct evidence of what the
creator says. Videos no longer on the channel are removed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from bot.errors import ConnectorUnavailable
from bot.state.store import Store
from connectors.base import Connector, HistoryReader, VideoLister
from knowledge.errors import KnowledgeError
from knowledge.loaders import Document
from knowledge.store import KnowledgeBase

VIDEO_PREFIX = "{platform}:video/"
ANSWERS_PREFIX = "{platform}:answers/"


@dataclass
class SyncReport:
    videos: int = 0
    added: int = 0
    unchanged: int = 0
    removed: int = 0
    answers: int = 0


def creator_answers(store: Store, platform: str) -> dict[str, list[str]]:
    """Per video: "Q: viewer comment / A: creator reply" for replies the creator wrote."""
    comments = store.comments(platform=platform)
    by_id = {c.comment_id: c for c in comments}
    pairs: dict[str, list[str]] = defaultdict(list)
    for comment in comments:
        parent = by_id.get(comment.parent_id or "")
        if comment.is_own and parent is not None and not parent.is_own and comment.video_id:
            pairs[comment.video_id].append(f"Q: {parent.text.strip()}\nA: {comment.text.strip()}")
    return pairs


def video_lister(connector: Connector) -> VideoLister:
    if not isinstance(connector, VideoLister):
        raise ConnectorUnavailable(f"{connector.name} cannot list a channel's videos")
    return connector


def history_reader(connector: Connector) -> HistoryReader:
    if not isinstance(connector, HistoryReader):
        raise ConnectorUnavailable(f"{connector.name} cannot read your past replies")
    return connector


def sync_videos(kb: KnowledgeBase, connector: Connector, store: Store) -> SyncReport:
    """Mirror a channel's videos (and the creator's answers under them) into `kb`."""
    lister = video_lister(connector)
    report = SyncReport()
    answers = creator_answers(store, lister.name)
    videos, answered = (VIDEO_PREFIX.format(platform=lister.name),
                        ANSWERS_PREFIX.format(platform=lister.name))
    present: set[str] = set()
    for video in lister.videos():
        report.videos += 1
        source = videos + video.video_id
        present.add(source)
        text = f"# {video.title}\n\n{video.description}".strip()
        result = kb.add(Document(source, text, {"video_id": video.video_id}))
        report.added += result.added
        report.unchanged += result.kept
        if answers.get(video.video_id):
            source = answered + video.video_id
            present.add(source)
            units = tuple(answers[video.video_id])
            kb.add(Document(source, "\n\n".join(units), {"video_id": video.video_id},
                            units=units))
            report.answers += len(units)
    for info in kb.sources():
        if info.source.startswith((videos, answered)) and info.source not in present:
            report.removed += kb.remove(info.source)
    return report


def remove_source(kb: KnowledgeBase, source: str) -> int:
    """Remove a document's chunks, named as `kb list` shows it (relative paths resolve from
    the working directory); how many chunks went."""
    key = str(Path(source).resolve()) if not Path(source).is_absolute() else source
    removed = kb.remove(key) or kb.remove(source)
    if not removed:
        raise KnowledgeError(f"no source {source!r} in the knowledge base: see `replybot kb list`")
    return removed
