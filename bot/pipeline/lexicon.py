"""Word lists more than one stage reads: hostile wording is a reason to skip a comment (triage)
and to hold a draft (guard); the commonest English words tell text from text turned around or
encoded."""

from __future__ import annotations

import re

#: hostile words that viewers use as often about the scammers in the comments as about the
#: creator ("评论区那个说加微信的是骗子，大家别信", "is this account a scammer?"): alone, an
#: accusation or a warning, which a person reads, not an insult to skip
ACCUSATION = re.compile(r"(?<![A-Za-z])(?:fraud|scammer)(?![A-Za-z])|骗子", re.IGNORECASE)
#: insults, and the accusations above
TOXIC = re.compile(
    # whole Latin words, also right after Chinese ("你是moron"), where \b sees no boundary
    r"(?<![A-Za-z])(idiots?|stupid|dumbest|morons?|losers?|trash|garbage|pathetic|worthless|"
    r"shut up|ugly|hate you|disgusting|clown|troll|miserable)(?![A-Za-z])"
    r"|垃圾|傻[逼瓜子]|废物|滚|去死|恶心|白痴|脑残|丑八怪|脑子有问题|误人子弟|难听死了|土包子|土鳖|没品味"
    r"|丢人现眼|吸血鬼|蠢货|蠢猪|闭嘴|" + ACCUSATION.pattern,
    re.IGNORECASE,
)

#: words nearly every English sentence has, to tell text from text written backwards or turned
COMMON = frozenset(
    "a about all an and are at be been but by can do for from get go have he her his how i if "
    "in is it its just know like me my no not now of on one or our out please say she so thank "
    "thanks that the them they this to too up was we were what when who why will with yes you "
    "your".split())
