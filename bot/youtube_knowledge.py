"""`kb sync-youtube`: the channel's videos, and the creator's own answers, as knowledge.

Each video becomes a document tagged with its id (title and description), so retrieval can rank
the commented video's facts first. The creator's replies stored from YouTube, paired with the
comment they answered, become one more document per video: the most direct evidence of what the
creator says. Videos no longer on the channel are removed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from bot.store import Store
from connectors.youtube import YouTubeConnector
from knowledge.loaders import Document
from knowledge.store import KnowledgeBase

VIDEO_PREFIX = "youtube:video/"
ANSWERS_PREFIX = "youtube:answers/"


@dataclass
class SyncReport:
    videos: int = 0
    added: int = 0
    unchanged: int = 0
    removed: int = 0
    answers: int = 0


def creator_answers(store: Store) -> dict[str, list[str]]:
    """Per video: "Q: viewer comment / A: creator reply" for replies the creator wrote."""
    comments = store.comments(platform="youtube")
    by_id = {c.comment_id: c for c in comments}
    pairs: dict[str, list[str]] = defaultdict(list)
    for comment in comments:
        parent = by_id.get(comment.parent_id or "")
        if comment.is_own and parent is not None and not parent.is_own and comment.video_id:
            pairs[comment.video_id].append(f"Q: {parent.text.strip()}\nA: {comment.text.strip()}")
    return pairs


def sync_youtube(kb: KnowledgeBase, youtube: YouTubeConnector, store: Store) -> SyncReport:
    report = SyncReport()
    answers = creator_answers(store)
    present: set[str] = set()
    for video in youtube.videos():
        report.videos += 1
        source = VIDEO_PREFIX + video.video_id
        present.add(source)
        text = f"# {video.title}\n\n{video.description}".strip()
        result = kb.add(Document(source, text, {"video_id": video.video_id}))
        report.added += result.added
        report.unchanged += result.kept
        if answers.get(video.video_id):
            source = ANSWERS_PREFIX + video.video_id
            present.add(source)
            units = tuple(answers[video.video_id])
            kb.add(Document(source, "\n\n".join(units), {"video_id": video.video_id},
                            units=units))
            report.answers += len(units)
    for info in kb.sources():
        if info.source.startswith((VIDEO_PREFIX, ANSWERS_PREFIX)) and info.source not in present:
            report.removed += kb.remove(info.source)
    return report
