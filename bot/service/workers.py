"""This process as one worker among several on one database.

A worker registers at start under a random id, heartbeats every cycle and from a timer thread
while a long cycle runs (each heartbeat renews its leases), and deregisters on a clean stop.
It polls a feed only while it holds the feed's lease and drafts a comment only while it holds
the comment's; a worker killed mid-job stops heartbeating, its leases run out, and another
worker takes the job over.
"""

from __future__ import annotations

import os
import secrets
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot import __version__
from bot.clock import Clock
from bot.config import WorkersConfig
from bot.log import log
from bot.state.store import Store
from bot.state.workers import Fence, WorkerView, feed_lease


def new_worker_id() -> str:
    """Random per process: hostnames and PIDs repeat across containers and PID namespaces."""
    return f"{socket.gethostname()[:40]}-{secrets.token_hex(6)}"


class Worker:
    """Registration, heartbeats and leases of this process."""

    def __init__(self, store: Store, config: WorkersConfig, clock: Clock,
                 claim_owner: str | None = None) -> None:
        self.store = store
        self.config = config
        self.clock = clock
        self.claim_owner = claim_owner
        self.id = new_worker_id()
        self.registered = False
        self._stop = threading.Event()
        self._beats: threading.Thread | None = None

    def register(self) -> None:
        self._add_row()
        self.registered = True
        log.info("worker registered", worker=self.id)
        self._beats = threading.Thread(target=self._beat_until_stopped, daemon=True,
                                       name="heartbeat")
        self._beats.start()

    def heartbeat(self) -> None:
        if not self.registered:
            return
        if not self.store.workers_repo.heartbeat(self.id, self.config.lease_s):
            self._add_row()  # forgotten as stale (the machine slept): back under the same id

    def _add_row(self) -> None:
        self.store.workers_repo.register(self.id, socket.gethostname(), os.getpid(),
                                         __version__, self.claim_owner)

    def _beat_until_stopped(self) -> None:
        while not self._stop.wait(self.config.heartbeat_s):
            try:
                self.heartbeat()
            except Exception:  # the database may be away for a moment; the next beat retries
                log.exception("heartbeat failed", worker=self.id)

    def take_over(self) -> None:
        """This worker is the only daemon the database can have (its data dir is its own):
        every feed and drafting lease another holds is a dead daemon's, and is freed at once
        rather than after its expiry, so a restart after a crash resumes without waiting.
        Claims to post are left to their leases: a `queue approve` in another terminal may be
        posting right now."""
        self.store.leases_repo.release_all_but(self.id)

    def deregister(self) -> None:
        self._stop.set()
        if self._beats is not None:
            self._beats.join(timeout=10)
        self.release_all()
        if self.registered:
            self.registered = False
            log.info("worker deregistered", worker=self.id)

    def release_all(self) -> None:
        """Give back every lease (and the worker row): the others may take the jobs at once."""
        self.store.workers_repo.deregister(self.id)

    # -- leases -------------------------------------------------------------------------------

    def lead_feed(self, platform: str, feed: str) -> Fence | None:
        """Lead the feed (poll it alone) if nobody else does: the fence to store its read with."""
        name = feed_lease(platform, feed)
        if not self.store.leases_repo.take(name, self.id, self.config.lease_s):
            return None
        return self.store.leases_repo.fence(name, self.id, self.config.lease_s)

    @contextmanager
    def drafting(self, comment_pk: int) -> Iterator[bool]:
        """Whether this worker is the comment's one drafter; the lease is given back after."""
        leases = self.store.leases_repo
        taken = leases.take_comment(comment_pk, self.id, self.config.lease_s)
        try:
            yield taken
        finally:
            if taken:
                leases.release_comment(comment_pk, self.id)


@dataclass(frozen=True)
class WorkersHealth:
    """The database-wide view: live workers, and the stale ones with why they count as dead."""

    live: list[WorkerView]
    stale: list[WorkerView]
    now: datetime
    stale_after_s: float

    @property
    def ok(self) -> bool:
        return not self.stale

    def reasons(self) -> list[str]:
        return [f"worker {w.id} (host {w.host}, pid {w.pid}) last heartbeat {w.age_s(self.now):.0f}"
                f" s ago (limit {self.stale_after_s:.0f} s): it died or hangs; its leases pass "
                "to the others" for w in self.stale]

    def to_json(self) -> dict[str, object]:
        return {"live": [w.id for w in self.live],
                "stale": [{"id": w.id, "host": w.host, "pid": w.pid,
                           "heartbeat_age_s": w.age_s(self.now), "reason": reason}
                          for w, reason in zip(self.stale, self.reasons(), strict=True)]}


def workers_health(store: Store, config: WorkersConfig, now: datetime) -> WorkersHealth:
    """Who is alive; workers silent for longer than `forget_after_s` are forgotten first."""
    store.workers_repo.forget_stale(now - timedelta(seconds=config.forget_after_s))
    known = store.workers_repo.workers()
    stale = [w for w in known if w.age_s(now) > config.stale_after_s]
    return WorkersHealth([w for w in known if w not in stale], stale, now,
                         config.stale_after_s)
