"""`Store`: one handle on replybot's state, a facade over one repository per concern.

Only `bot.state` touches the database. The repositories are reachable as attributes
(`store.drafts_repo`, `store.intake_repo`, …) and their methods are also the Store's own, with
the same names and signatures, so callers can move to the repository they need over time.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine

from bot.clock import Clock, utcnow
from bot.domain import NewDraft
from bot.state.backup import BackupRepository
from bot.state.database import Database
from bot.state.drafts import DraftRepository
from bot.state.intake import IntakeRepository
from bot.state.leases import ClaimRepository
from bot.state.quarantine import QuarantineRepository
from bot.state.quota import PacingRepository, QuotaRepository
from bot.state.reply_history import ReplyHistory
from bot.state.service_state import ServiceStateRepository
from bot.state.voice import VoiceRepository
from bot.state.workers import LeaseRepository, WorkerRepository

__all__ = ["NewDraft", "Store"]  # NewDraft: for callers that still import it from here


class Store:
    """replybot's state: comments, drafts, the audit log, quota, service state, voice, backup;
    reached only as attributes: `quarantine_repo`, `claims_repo` (leases on posting claims) and,
    for several workers, `workers_repo`, `leases_repo` and `pacing_repo`."""

    def __init__(self, engine: Engine, clock: Clock = utcnow) -> None:
        self.database = Database(engine)
        self.engine = engine
        self.clock = clock
        self._intake(IntakeRepository(self.database, clock))
        self._drafts(DraftRepository(self.database, clock))
        self._history(ReplyHistory(self.database, clock))
        self._quota(QuotaRepository(self.database, clock))
        self._service_state(ServiceStateRepository(self.database, clock))
        self._voice(VoiceRepository(self.database, clock))
        self._backup(BackupRepository(self.database, clock))
        self.quarantine_repo = QuarantineRepository(self.database, clock)
        self.claims_repo = ClaimRepository(self.database, clock)
        self.workers_repo = WorkerRepository(self.database, clock)
        self.leases_repo = LeaseRepository(self.database, clock)
        self.pacing_repo = PacingRepository(self.database, clock)

    @classmethod
    def open(cls, url: str, clock: Clock = utcnow, schema: str | None = None) -> Store:
        """Open the database at `url` (on PostgreSQL, a workspace's `schema`) and apply any
        migrations it lacks."""
        return cls(Database.open(url, schema).engine, clock)

    def close(self) -> None:
        self.database.close()

    def expired_claims(self, now: datetime) -> list[int]:
        return self.claims_repo.expired(now)

    # Each repository's methods become the Store's own (bound methods, so their signatures and
    # types are exactly the repository's).

    def _intake(self, repo: IntakeRepository) -> None:
        self.intake_repo = repo
        self.ingest = repo.ingest
        self.cursor = repo.cursor
        self.unprocessed = repo.unprocessed
        self.comment_failed = repo.comment_failed
        self.comments = repo.comments
        self.comment_count = repo.comment_count
        self.add_comment = repo.add_comment

    def _drafts(self, repo: DraftRepository) -> None:
        self.drafts_repo = repo
        self.create_draft = repo.create_draft
        self.transition = repo.transition
        self.claim = repo.claim
        self.edit_text = repo.edit_text
        self.draft = repo.draft
        self.drafts = repo.drafts
        self.counts = repo.counts
        self.audit = repo.audit
        self.decisions = repo.decisions

    def _history(self, repo: ReplyHistory) -> None:
        self.history_repo = repo
        self.posted_since = repo.posted_since
        self.last_posted_at = repo.last_posted_at
        self.recent_replies = repo.recent_replies
        self.replied_in_thread = repo.replied_in_thread

    def _quota(self, repo: QuotaRepository) -> None:
        self.quota_repo = repo
        self.quota_add = repo.quota_add
        self.quota_charge = repo.quota_charge
        self.quota_raise_to = repo.quota_raise_to
        self.quota_used = repo.quota_used
        self.quota_platforms = repo.quota_platforms

    def _service_state(self, repo: ServiceStateRepository) -> None:
        self.service_state_repo = repo
        self.set_state = repo.set_state
        self.state = repo.state
        self.states_with_prefix = repo.states_with_prefix
        self.clear_state = repo.clear_state

    def _voice(self, repo: VoiceRepository) -> None:
        self.voice_repo = repo
        self.approved_by_person = repo.approved_by_person
        self.posted_reply_ids = repo.posted_reply_ids
        self.add_voice_examples = repo.add_voice_examples
        self.voice_examples = repo.voice_examples
        self.set_voice_status = repo.set_voice_status
        self.add_model = repo.add_model
        self.update_model = repo.update_model
        self.models = repo.models
        self.model_record = repo.model_record

    def _backup(self, repo: BackupRepository) -> None:
        self.backup_repo = repo
        self.export_rows = repo.export_rows
        self.is_empty = repo.is_empty
        self.import_rows = repo.import_rows
