"""How long the text checks take on long hostile text, against ordinary text of the same length.

    python bench/hostile.py            # 10,000 characters (YouTube's limit for a comment)
    python bench/hostile.py --chars 50000

A pattern that backtracks can take seconds on a long run of one character ("1111…", "a-a-a-…")
where it takes milliseconds on prose: one such comment, or one such draft from a model, would
hold a worker that long. Each check runs on each hostile shape, both as the comment and as the
draft; the peer is the same check on ordinary prose of the same length, in the same run. The
figure to watch is the ratio: near 1 is linear, a check far above it is worth a look.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.pipeline.commitment import commitment  # noqa: E402
from bot.pipeline.evidence import Persona, grounding, shape_faults  # noqa: E402
from bot.pipeline.guard import Guard  # noqa: E402
from bot.pipeline.injection import instructs  # noqa: E402
from bot.pipeline.obedience import Voice, obedience  # noqa: E402
from bot.pipeline.spam import bundled_classifier  # noqa: E402

SYSTEM = ("You are Lina Brews. You are warm and practical, a little nerdy about extraction. You "
          "write short sentences, never promote products or give medical advice.")
NOTES = ["V60: 15 g coffee, 250 g water at 93°C, 24 clicks on the Comandante C40."]
PROSE = ("I tried your V60 recipe this morning with 15 g of coffee and it was lovely, thank you "
         "for the clear steps and the calm voice. ")
SHAPES = {
    "digits": "1", "spaced digits": "1 ", "dashes": "a-", "dots": "a.", "digit dots": "1.",
    "capitals": "A", "Chinese": "一", "Chinese digits": "一1", "at signs": "a@",
    "slashes": "a / ", "hex": "4f ", "base64": "QUFB", "morse": ".- ", "spaces": " ",
    "words": "safe kid ", "percent": "%41", "numbered dots": "11.", "versions": "10.10.",
    "link ends": "](a", "link starts": "[a](", "mixed dots": "ab1.",
    "emoji": "😀", "promises": "I'll ", "letters listed": "A, ", "here": "here ",
    "short sentences": "x. ", "spaced Chinese": "一 ", "comparisons": "better than ",
    "hashtags": "#a ", "mocking": "aBaB ", "requests": "please answer ",
    "Chinese requests": "用东北", "Chinese promises": "我给你",
}


def checks() -> dict[str, Callable[[str], object]]:
    guard = Guard(canary="rb-marker")
    voice = Voice(SYSTEM, NOTES, "Lina Brews")
    persona = Persona(SYSTEM, "— Lina ☕")
    return {
        "triage: instruction finder": instructs,
        "guard (as the draft)": lambda t: guard.check(t, "What grind?", NOTES, SYSTEM),
        "guard (as the comment)": lambda t: guard.check("24 clicks.", t, NOTES, SYSTEM),
        "obedience (as the comment)": lambda t: obedience(t, "24 clicks. — Lina ☕", voice),
        "obedience (as the draft)": lambda t: obedience("What grind?", t, voice),
        "commitment": lambda t: commitment(t, NOTES),
        "grounding": lambda t: grounding(t, "What grind?", "question", NOTES, persona),
        "shape": lambda t: shape_faults("What grind?", t, t, "— Lina ☕", 200),
        "spam reading (the comment)": lambda t: bundled_classifier().read(t),
    }


def timed(check: Callable[[str], object], text: str, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        check(text)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chars", type=int, default=10_000)
    args = parser.parse_args()
    n = args.chars
    prose = (PROSE * (n // len(PROSE) + 1))[:n]
    print(f"text checks on {n:,} characters of hostile text; peer: the same check on ordinary "
          "prose of that length, same run (median of 3)")
    print(f"  {'check':<28} {'prose ms':>9} {'worst ms':>9} {'ratio':>7}  worst shape")
    for name, check in checks().items():
        check(PROSE)  # lazy loads (dictionary, sentiment lexicon) before timing
        peer = timed(check, prose)
        worst, shape = max((timed(check, (unit * (n // len(unit) + 1))[:n]), label)
                           for label, unit in SHAPES.items())
        print(f"  {name:<28} {peer:>9.1f} {worst:>9.1f} {worst / max(peer, 0.1):>6.1f}×  {shape}")


if __name__ == "__main__":
    main()
