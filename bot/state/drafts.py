"""Drafts and their state machine, with the audit log every move writes.

Drafts move through the states of DESIGN.md; every move is one transaction that changes the row
only if it is still in an allowed state (compare-and-set) and writes an audit row with a reason.
Two processes approving or posting the same draft therefore cannot both win.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update

from bot.domain import TRANSITIONS, AuditEntry, DraftView, NewDraft, Status
from bot.errors import InvalidTransition, NotFound
from bot.state.database import Repository
from bot.state.records import draft_view
from bot.state.schema import AuditRow, CommentRow, DraftRow


class DraftRepository(Repository):
    """One draft per comment, moved only along TRANSITIONS, every move audited."""

    def create_draft(self, comment_pk: int, new: NewDraft, actor: str = "pipeline") -> int | None:
        """Record the outcome for a comment. None if it already has one (another run won)."""
        if new.status not in TRANSITIONS[None]:
            raise InvalidTransition(f"a draft cannot start as {new.status!r}")
        now = self.clock()
        values = {
            "comment_pk": comment_pk, "status": new.status, "reply_text": new.reply_text,
            "draft_text": new.reply_text, "model": new.model, "context": new.context,
            "triage_label": new.triage_label, "triage_reason": new.triage_reason,
            "reason": new.reason, "attempts": 0, "prompt_tokens": new.prompt_tokens,
            "completion_tokens": new.completion_tokens, "created_at": now, "updated_at": now,
        }
        with self.db.transaction() as session:
            # RETURNING, not rowcount (psycopg reports -1): an id comes back only to the winner
            draft_id = session.execute(self.db.insert_ignore(DraftRow.__table__).values(values)
                                       .returning(DraftRow.id)).scalar()
            if draft_id is None:
                return None
            session.add(AuditRow(draft_id=draft_id, comment_pk=comment_pk, from_status=None,
                                 to_status=new.status, actor=actor, reason=new.reason, at=now,
                                 detail=new.decisions))
            return int(draft_id)

    def transition(self, draft_id: int, to: str, reason: str, actor: str,
                   from_: Iterable[str] | None = None,
                   claim: str | None = None,
                   **fields: Any) -> DraftView:
        """Move a draft to `to` if it is in one of `from_` (default: every state allowing it).

        With `claim` (an owner token), the move also requires the draft to still carry that
        claim, so a process never settles a `posting` row someone else has claimed since. Owner
        tokens are unique per process, so the token alone identifies the claim.
        Raises InvalidTransition when the draft is elsewhere, e.g. already handled by another
        process; nothing changes then.
        """
        allowed = [s for s, targets in TRANSITIONS.items() if s and to in targets]
        sources = [s for s in (from_ or allowed) if s in allowed]
        now = self.clock()
        with self.db.transaction() as session:
            # One compare-and-set per source state: the first write takes SQLite's write lock
            # (no read-then-write upgrade that could fail under contention) and tells us exactly
            # which state the draft left.
            for source in sources:
                query = update(DraftRow).where(DraftRow.id == draft_id, DraftRow.status == source)
                if claim is not None:
                    query = query.where(DraftRow.claimed_by == claim)
                comment_pk = session.execute(
                    query.values(status=to, reason=reason, updated_at=now, **fields)
                    .returning(DraftRow.comment_pk)
                ).scalar()
                if comment_pk is not None:
                    session.add(AuditRow(draft_id=draft_id, comment_pk=comment_pk,
                                         from_status=source, to_status=to, actor=actor,
                                         reason=reason, at=now))
                    break
            else:
                current = session.scalar(select(DraftRow.status).where(DraftRow.id == draft_id))
                if current is None:
                    raise NotFound(f"no draft {draft_id}: see `replybot queue list --status all`")
                if current in sources and claim is not None:
                    raise InvalidTransition(f"draft {draft_id} was claimed by another process")
                raise InvalidTransition(f"draft {draft_id} is {current}; it cannot become {to}")
        return self.draft(draft_id)

    def claim(self, draft_id: int, owner: str, actor: str,
              lease_until: datetime | None = None) -> DraftView | None:
        """approved → posting for `owner` until `lease_until`, counting the attempt and
        remembering its text.

        None if the draft is no longer approved (another process got it first).
        """
        now = self.clock()
        with self.db.transaction() as session:
            row = session.execute(
                update(DraftRow)
                .where(DraftRow.id == draft_id, DraftRow.status == Status.APPROVED)
                .values(status=Status.POSTING, reason="posting", updated_at=now, claimed_by=owner,
                        claimed_at=now, lease_until=lease_until,
                        attempts=DraftRow.attempts + 1)
                .returning(DraftRow.comment_pk, DraftRow.reply_text, DraftRow.attempted_texts)
            ).first()
            if row is None:
                return None
            texts = [*(row.attempted_texts or []), row.reply_text or ""]
            session.execute(update(DraftRow).where(DraftRow.id == draft_id)
                            .values(attempted_texts=texts))
            session.add(AuditRow(draft_id=draft_id, comment_pk=row.comment_pk,
                                 from_status=Status.APPROVED, to_status=Status.POSTING, actor=actor,
                                 reason="posting", at=now))
        return self.draft(draft_id)

    def edit_text(self, draft_id: int, text: str, actor: str) -> DraftView:
        """Replace the reply text of a draft that has not been posted yet."""
        now = self.clock()
        with self.db.transaction() as session:
            result = session.execute(
                update(DraftRow)
                .where(DraftRow.id == draft_id,
                       DraftRow.status.in_([Status.PENDING, Status.APPROVED, Status.FAILED]))
                .values(reply_text=text, updated_at=now)
                .returning(DraftRow.status, DraftRow.comment_pk)
            )
            row = result.first()
            if row is None:
                self.draft(draft_id)  # NotFound if missing
                raise InvalidTransition(f"draft {draft_id} can no longer be edited")
            session.add(AuditRow(draft_id=draft_id, comment_pk=row.comment_pk,
                                 from_status=row.status, to_status=row.status, actor=actor,
                                 reason="reply text edited", at=now))
        return self.draft(draft_id)

    def draft(self, draft_id: int) -> DraftView:
        with self.db.transaction() as session:
            row = session.execute(
                select(DraftRow, CommentRow).join(CommentRow, DraftRow.comment_pk == CommentRow.id)
                .where(DraftRow.id == draft_id)
            ).first()
            if row is None:
                raise NotFound(f"no draft {draft_id}: see `replybot queue list --status all`")
            return draft_view(*row)

    def drafts(self, status: str | Sequence[str] | None = Status.PENDING, limit: int = 200,
               platform: str | None = None, newest: bool = False) -> list[DraftView]:
        """Drafts in `status` (one or several; None: all) in id order: the oldest `limit`, or
        the newest."""
        order = DraftRow.id.desc() if newest else DraftRow.id
        query = (select(DraftRow, CommentRow)
                 .join(CommentRow, DraftRow.comment_pk == CommentRow.id)
                 .order_by(order).limit(limit))
        if isinstance(status, str):
            query = query.where(DraftRow.status == status)
        elif status is not None:
            query = query.where(DraftRow.status.in_(list(status)))
        if platform is not None:
            query = query.where(CommentRow.platform == platform)
        with self.db.transaction() as session:
            views = [draft_view(d, c) for d, c in session.execute(query).all()]
        return sorted(views, key=lambda v: v.id) if newest else views

    def counts(self) -> dict[str, int]:
        with self.db.transaction() as session:
            rows = session.execute(select(DraftRow.status, func.count()).group_by(DraftRow.status))
            counts: dict[str, int] = {status: 0 for status in Status}
            counts.update({status: n for status, n in rows.all()})
            return counts

    def audit(self, draft_id: int | None = None, limit: int = 500) -> list[AuditEntry]:
        query = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)
        if draft_id is not None:
            query = query.where(AuditRow.draft_id == draft_id)
        with self.db.transaction() as session:
            rows = list(reversed(session.scalars(query).all()))
            return [AuditEntry(r.at, r.draft_id, r.from_status, r.to_status, r.actor, r.reason,
                               r.detail) for r in rows]

    def decisions(self, draft_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        """Each draft's decisions (triage, policy, guard): its first audit entry's detail, for
        many drafts in one query."""
        query = (select(AuditRow.draft_id, AuditRow.detail)
                 .where(AuditRow.draft_id.in_(list(draft_ids))).order_by(AuditRow.id))
        found: dict[int, dict[str, Any]] = {}
        with self.db.transaction() as session:
            for draft_id, detail in session.execute(query):
                if detail and draft_id is not None:
                    found.setdefault(draft_id, detail)
        return found
