"""Word lists more than one stage reads: hostile wording is a reason to skip a comment (triage)
and to hold a draft (guard)."""

from __future__ import annotations

import re

TOXIC = re.compile(
    r"\b(idiot|stupid|dumbest|moron|loser|trash|garbage|pathetic|worthless|shut up|ugly|"
    r"hate you|disgusting|clown|fraud|scammer|troll|miserable)\b|垃圾|傻[逼瓜子]|废物|滚|去死|恶心"
    r"|骗子|白痴|脑残|丑八怪|脑子有问题|误人子弟|难听死了|土包子|土鳖|没品味",
    re.IGNORECASE,
)
