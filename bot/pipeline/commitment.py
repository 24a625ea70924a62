"""Whether a draft commits the creator to something only the creator can agree to.

A reply may answer, thank and explain on its own; it may not promise what the creator will
give, pay, review or post ("I'll send my old C3 to one viewer"), say in any words what they
will do ("I'll post you my spare grinder", "我会把磨豆机快递给你"), give away what is theirs ("the
first 50 commenters get my grinder") or speak of who pays them ("Comandante sponsors the
channel", "我拿了推广费"), unless the creator's own material says the same (of what they will
do, nearly all its words; of payment, only a denial the material also makes). A model
talked into any of these writes it in its own words, which no check of the comment's wording
sees; and an honest answer about sponsorship is one the creator gives in person. Such a draft
waits for the creator.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from bot.pipeline.decide import Check
from bot.pipeline.guard import CLAUSE_END, WITHIN, plain

PAID = "speaks of who pays the creator"
WILL = "says what the creator will do"
#: a denial right before what it denies: "not", "isn't", "never been", "没有", "不是"
NEGATION = re.compile(r"(?:\b(?:no|not|never|nothing|none|nobody|neither|nor)|n't)\W+"
                      r"(?:\w+\W+){0,4}$|(?:没有?|不是|从没|从未|未|无|非)\S{0,4}$", re.IGNORECASE)
#: what a promise gives: the creator's things or time, to the viewer
PROMISED = (r"(?:send|mail|ship|gift|refund|give (?:you (?:my|one|a free|a signed|a copy)|away"
            r"|one|it to|them to|my)|pay (?:for|the|you)|review (?:your|it|yours|the)"
            r"|feature (?:you|your)|shout (?:you|your)|promote (?:you|your)|dm you|message you"
            r"|sign (?:a|one|it|your))")
KINDS = {
    "promises what the creator will give or do": re.compile(
        rf"\b(?:i'll|i will|i'm going to|i am going to|i'd|i would|i can|i'm|i am|we'll|we will"
        rf"|i promise to|let me|happy to|glad to)\s+(?:\w+\s+){{0,3}}?{PROMISED}\w*"
        r"|我(?:会|来|可以|就)(?:寄|送|给你|发给|安排|付)|我(?:寄|送)给|包邮"
        # Chinese has no "will": what the creator does for the viewer, in one clause ("我把备用
        # C3 快递给你", "我这个月就去你店里拍", "钱我来出", "我请你喝咖啡", "顺便帮你宣传一下"), not
        # what they explain or did ("我给你解释一下", "送你一句话", "我和老公一起拍的", "钱我出的")
        rf"|我{WITHIN}{{0,10}}?(?:给你|帮你)(?:寄|发|送|买|带|报销|退|赔|宣传|推广|安排|付)"
        r"(?![的过了])|(?:快递|寄|送|邮|退|赔)给你(?![们的那女男爸妈朋自家])"
        # the subject left out at a clause's start is the creator's ("，快递到你家")
        rf"|(?:^|{CLAUSE_END}\s*)(?:快递|寄|邮)到你家"
        rf"|我{WITHIN}{{0,10}}?(?:(?:快递|寄|送|邮)到你家|就?(?:去|到)你的?(?:店|家)(?!乡)"
        r"|约个?时间|一起拍(?![的了过]))|(?:合作|合拍|一起拍)一期吧|拍一期你的"
        r"|(?:运费|邮费|钱|费用)我来?(?:出|付)(?![去门国发差来得的不了过])"
        r"|我(?:出|付)(?:钱|运费|邮费)(?![的了过之买])|我替你(?:付|出|买|卖|寄)|为你(?:做|拍)(?![的过了])"
        rf"|给你(?:的店)?打个?广告|帮你(?:宣传|推广)|我{WITHIN}{{0,6}}?请你(?:喝|吃)"
        r"|我请客(?![的那])"
        # goods or money to the viewer, counted ("寄你一包", "赔你一台", "转你 200 块"; not "送你一
        # 句话"), paid for ("这杯算我的", "这杯我买单", "运费由我承担") or handed over ("归你了")
        r"|(?:寄|发|送|赔|转|退|补)你\s*(?:一|两|几|\d+)\s*[包台个块张份支瓶袋盒杯元]"
        r"|(?:钱|费|杯|单|顿)用?算我(?:的|账上|头上)|算我账上|我买单|这(?:杯|单|顿)我请"
        r"|我包了(?=[,.!?;:，。！？；：]|$)|(?:由我|我来)承担|(?<![就都])归你了"
        rf"|我{WITHIN}{{0,10}}?(?:发|传)给?你(?![的过了们])|上门(?:教|帮|给)你"
        r"|给你(?:寄|换一台|录一?个|出一期|挂个?链接|留一?个(?!言))",
        re.IGNORECASE | re.MULTILINE),
    "gives away what is the creator's": re.compile(
        r"\b(?:giveaways?|giving away|give away|raffle|first \d+ (?:people|viewers|commenters"
        r"|subscribers)|winners? (?:will|gets?|wins?|is announced|are announced)"
        r"|comment your (?:address|email|number))\b"
        r"|\b(?:first|lucky|one (?:viewer|person|commenter|subscriber)|winner|whoever)\b"
        r"[^.!?\n]{0,40}\b(?:gets?|wins?|receives?|claims?"
        r"|takes? home)\s+(?:my|a free|a signed|one of my|a copy of my)\b"
        r"|\bmy (?:old |spare |used |signed )?\w+ (?:goes|will go) to\b"
        r"|抽奖|送(?:出|给)|拿到我的|免费送|留下(?:地址|邮箱|电话)"
        rf"|我的{WITHIN}{{0,10}}?(?:寄|送|快递)给(?!我)", re.IGNORECASE),
    # any word for it: what the creator will do is theirs to say, unless their material says
    # it ("春节我会休息两周"); "I'll never ask you to pay", "I'll keep brewing", "I'll take it",
    # "I'll admit", "see you Friday", what the reply itself does ("I'll write it out: …") and
    # "let me know" promise nothing
    WILL: re.compile(
        r"\b(?:i'll|i will|i shall|i'm going to|i am going to|i'm gonna|i promise(?: to)?"
        r"|we'll|we will|we're going to)\s+(?!(?:never|not|no|keep|think|admit|say|bet|confess"
        r"|explain|be honest|take (?:it|that)|tell you|see|try|have a look|look|check|write (?:it"
        r"|them|that) (?:out|down))\b)(?:\w+\s+){0,2}\w+"
        r"|\byou(?:'ll| will) (?:get|receive|win|have) (?:my|one of my|a free|a signed)\b"
        r"|\b(?:gets?|wins?|receives?|takes? home) my (?!vote)|\b(?:it's|it is|they're) yours\b"
        r"(?! to)"
        # a date for it: "coming this Friday", "I'm filming it this week"
        r"|\b(?:is|are) (?:coming|going up|dropping|out) (?:this|next|tomorrow|on (?:mon|tues|"
        r"wednes|thurs|fri|satur|sun)day)\b"
        r"|\bi'm (?:filming|shooting|recording|sending|posting|uploading) (?:it|one|a|you|the)\b"
        r"|我(?:会|要|来|将|保证|答应|一定)(?![不用选喝建推先说做试继努来自是])(?!一点)"
        r"[\u3400-\u9fff]{1,12}"
        r"|(?:就|都)归(?:你|他|她)"
        r"|(?:下(?:周|个月|期|礼拜)|这周[一二三四五六日天末])[\u3400-\u9fff]{0,3}"
        r"(?:上线|发|更新|拍|出|做|去|约|念)"
        r"|(?:这个|本)?周末我|我(?:和|跟)你(?:视频|见面|通话)",
        re.IGNORECASE),
    PAID: re.compile(
        r"\b(?:sponsor\w*|paid (?:me|us|by|promotion|partnership|for (?:the|this|that|my))"
        r"|pays? (?:me|us)|partner(?:ship|ed)? with|affiliates?|commission|kickback"
        r"|brought to you by|gifted (?:me|us|this|the)|cover(?:s|ed)? (?:the|my) costs?)\b"
        r"|推广费|赞助|恰饭|广告费|收了.{0,6}(?:钱|费)", re.IGNORECASE),
}


def commitment(reply: str, notes: Sequence[str]) -> Check:
    """The check: holds (score 1) unless the reply promises, gives away or speaks of payment
    in words the creator's material does not have."""
    said, own = _straight(plain(reply)), _straight(plain(" ".join(notes))).lower()
    for kind, pattern in KINDS.items():
        for match in pattern.finditer(said):
            if not _backed(kind, match, own):
                return Check("commitment", False, 0.0,
                             f"{kind} ({match.group(0)!r})")
    return Check("commitment", True, 1.0, "commits the creator to nothing")


def _backed(kind: str, match: re.Match[str], own: str) -> bool:
    """The creator's material says it too; of payment, only a denial the material also denies
    ("not sponsored" in the notes is no evidence for "sponsored by Comandante")."""
    words = match.group(0).lower()
    if kind == WILL:
        return _said_alike(match, own)
    if kind != PAID:  # the whole clause: "I'll send the PDF" is no "I'll send my old C3"
        rest = _rest_of_clause(match)
        return (words + rest.lower()).strip() in own
    if not _denied(match.string[max(0, match.start() - 40):match.start()]):
        return False
    return any(_denied(own[max(0, found.start() - 40):found.start()])
               for found in re.finditer(re.escape(words), own))


#: words a promise is made of, which say nothing of what is promised
FILLER = {"i'll", "will", "shall", "going", "gonna", "promise", "we'll", "you", "your", "the",
          "and", "for", "with", "this", "that", "get", "one", "yours", "it's", "they're",
          *"我会要来将保证答应你的了把"}


def _said_alike(match: re.Match[str], own: str) -> bool:
    """The clause of the promise is the creator's: most pairs of its words (of Chinese, of its
    characters) are in their material too ("我会休息两周" where the notes say "春节休息两周";
    not "I'll buy it off you myself", however common its words)."""
    rest = _rest_of_clause(match)
    words = [w for w in _units(match.group(0) + rest) if w not in FILLER]
    theirs, pairs = _vocabulary(own)
    if len(words) < 2:
        return bool(words) and words[0] in theirs
    said = list(zip(words, words[1:], strict=False))
    return sum(p in pairs for p in said) / len(said) >= 0.6


def _rest_of_clause(match: re.Match[str]) -> str:
    """What follows the match up to the end of its clause."""
    return re.split(r"[.!?;,。！？；，\n]", match.string[match.end():], maxsplit=1)[0]


@lru_cache(maxsize=16)
def _vocabulary(own: str) -> tuple[frozenset[str], frozenset[tuple[str, str]]]:
    """The creator's words and pairs of words, the promise's filler left out: read once for
    the promises of one reply."""
    theirs = [w for w in _units(own) if w not in FILLER]
    return frozenset(theirs), frozenset(zip(theirs, theirs[1:], strict=False))


def _units(text: str) -> list[str]:
    """Words of two letters or more, and each Chinese character, in order."""
    return re.findall(r"[a-z0-9']{2,}|[\u3400-\u9fff]", text.lower())


def _straight(text: str) -> str:
    """Curly apostrophes as straight ones: "I’ll" is "I'll"."""
    return text.replace("’", "'").replace("‘", "'")


def _denied(before: str) -> bool:
    """A denial just before: "nothing here is", "wasn't", "no", "从没"."""
    return NEGATION.search(before) is not None
