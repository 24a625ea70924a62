"""The in-process engines run on the cores this process may use, with threads that sleep
rather than spin while they wait (shared cores made spinning ones 10-40 times slower)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from knowledge.threads import machine_threads

ROOT = Path(__file__).resolve().parents[2]
PROBE = ("import os\nfrom knowledge.embeddings import E5Embedder\n"
         "E5Embedder().queries(['hello'])\nprint(os.environ.get('OMP_WAIT_POLICY'))\n")


def probe(**env: str) -> str:
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                            env={"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT), **env},
                            timeout=120, check=True)
    return result.stdout.strip()


def test_the_embedder_waits_passively_unless_told_otherwise() -> None:
    assert probe() == "PASSIVE"
    assert probe(OMP_WAIT_POLICY="ACTIVE") == "ACTIVE"


def test_threads_follow_the_cores_this_process_may_run_on() -> None:
    assert machine_threads() == len(os.sched_getaffinity(0))
