"""The in-process engines run on the cores this process may use, with threads that sleep, or spin
only briefly before they do (on shared cores, long-spinning ones were 10-100 times slower)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from knowledge.e5onnx import shared_engine
from knowledge.threads import machine_threads

ROOT = Path(__file__).resolve().parents[2]
#: what bot/llm.py does before llama.cpp's OpenMP runtime loads
PROBE = ("import os\nfrom knowledge.threads import quiet_threads\nquiet_threads()\n"
         "print(os.environ.get('OMP_WAIT_POLICY'), os.environ.get('GOMP_SPINCOUNT'))\n")


def probe(**env: str) -> str:
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                            env={"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT), **env},
                            timeout=120, check=True)
    return result.stdout.strip()


def test_llama_cpps_threads_spin_briefly_unless_told_otherwise() -> None:
    assert probe() == "None 10000"
    assert probe(OMP_WAIT_POLICY="PASSIVE") == "PASSIVE None"
    assert probe(GOMP_SPINCOUNT="5") == "None 5"


def test_threads_follow_the_cores_this_process_may_run_on() -> None:
    assert machine_threads() == len(os.sched_getaffinity(0))


def test_the_embedders_threads_sleep_between_calls() -> None:
    engine = shared_engine(machine_threads())
    options = engine.session.get_session_options()
    assert options.get_session_config_entry("session.intra_op.allow_spinning") == "0"
    assert options.intra_op_num_threads == machine_threads()
