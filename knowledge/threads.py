"""Threads for the in-process engines (the bundled embedder, and llama.cpp in `bot.llm`)."""

from __future__ import annotations

import os

#: how long an idle OpenMP thread spins before it sleeps (GNU OpenMP counts loop iterations:
#: about 10-20 µs here)
SPIN = "10000"


def machine_threads() -> int:
    """The cores this process may run on (a container's CPU set, not the host's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def quiet_threads() -> None:
    """Let OpenMP threads spin only briefly between parallel steps, then sleep.

    GNU OpenMP's default spins 300,000 times first: when the cores are shared (another process,
    or the embedder beside llama.cpp) threads wait on each other for whole time slices, and a
    15 ms embedding took 300-1,700 ms, a 3 s draft of the bundled model 10-23 s. Sleeping at
    once (OMP_WAIT_POLICY=PASSIVE) is safe there but makes each small embedding twice as slow
    on idle cores; a short spin is as quick as spinning on idle cores and the quickest on busy
    ones (bench/speed.py). Read when an OpenMP runtime loads, so this comes before an engine
    is loaded; a policy or spin count set in the environment is kept."""
    if "OMP_WAIT_POLICY" not in os.environ:
        os.environ.setdefault("GOMP_SPINCOUNT", SPIN)
