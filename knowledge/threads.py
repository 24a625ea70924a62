"""Threads for the in-process engines (the bundled embedder, and llama.cpp in `bot.llm`)."""

from __future__ import annotations

import os


def machine_threads() -> int:
    """The cores this process may run on (a container's CPU set, not the host's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def quiet_threads() -> None:
    """Let OpenMP threads sleep between parallel steps instead of spinning.

    On a machine whose cores are shared (another process, or the embedder beside llama.cpp),
    spinning threads wait on each other for whole time slices: a 20 ms embedding took
    300-900 ms, and a 1.3 s draft of the bundled chat model 10-23 s. The policy is read when
    an OpenMP runtime loads, so this must come before the engine is loaded; a policy set in
    the environment is kept."""
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
