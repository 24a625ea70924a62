"""Who the creator is: the clauses of a reply that say it, for grounding to look up.

A voice model, or a comment that asks it to, gives the creator a life they never described:
a job ("As a nurse, I…", "我本职是导演"), a shop ("my café by the lake"), a team or a family
("my assistant answers these", "我老公帮忙拍"), a past ("twelve years as head barista in
Melbourne"), a new owner or end for the channel ("this account is run by the roastery now").
None of it needs a name or a number, and it reads like any friendly reply, so grounding's
names and amounts never see it. `claims` finds such a clause; grounding lets it go out on its
own only when the creator's texts hold most of its words (the persona, the notes, the passages
the reply's words find). A denial ("I'm not a doctor", "我不是医生", "nothing on the channel is
sponsored") claims nothing and is left to the checks that read denials.
"""

from __future__ import annotations

import re
from functools import lru_cache

#: where a claim's words end: a clause's punctuation, or "and"/"but"/"so" starting another
CLAUSE_END = re.compile(r"[,;:.!?，；：。！？、\n()（）]|\s(?:and|but|so|because)\s|\s[-–—]\s")
#: in a claim's own clause, before its words, an English word that denies it ("Nothing on the
#: channel is sponsored"); a denial in another clause denies nothing of this one
DENIED = re.compile(r"\b(?:not|never|no|nothing|nobody|none|neither|nor)\b|n't\b", re.IGNORECASE)
#: a Chinese denial in the claim ("我们不卖豆子", "我不是医生"); single characters such as 别 or
#: 无 are words of their own too ("特别", "无锡")
DENIED_ZH = re.compile(r"不是|没有|没在|从不|从没|不再|并非|不(?=[卖开做接收烘当在会])"
                       r"|没(?=[开做当])")
#: what a pattern may read before a claim's words (the punctuation that begins its clause)
LEAD = ".!?,;:，；：。！？、 \n\t"
#: where a clause begins, for the English denial before a claim
CLAUSE_START = re.compile(r"[,;:.!?，；：。！？、\n]")
#: how far past the words that make a claim its clause may run (a reply with no punctuation is
#: not read to its end for every claim in it)
CLAUSE_REACH = 80

_ADVERBS = (r"(?:(?:actually|really|now|also|originally|secretly|officially|basically|still|"
            r"just|proudly|currently|technically|in fact)\s+)*")
#: people and places of one's own that make a life: family, staff, a business, a sponsor
_OWN = (r"husband|wife|partner|fianc[eé]e?|boyfriend|girlfriend|sister|brother|sisters|brothers|"
        r"mum|mom|mother|dad|father|parents|kids|children|son|daughter|family's|"
        r"assistant|assistants|team|staff|crew|employees?|manager|agent|agency|editor|editors|"
        r"boss|employer|company|business|brand|label|shop|store|caf[eé]|coffee shop|roastery|"
        r"bakery|restaurant|bar|studio|course|courses|academy|school|clinic|practice|patients|"
        r"clients|students|sponsors?|day job|job|colleagues|coworkers|co-host|cohost|partnership|"
        r"contract")
EN = re.compile(
    # a role: "I'm a nurse", "I am actually the owner", "I was a barista", "As a doctor,"
    rf"\b(?:i'?m|i\s+am|i\s+was|i'?ve\s+been|i\s+have\s+been|i\s+used\s+to\s+be)\s+{_ADVERBS}"
    r"(?:an?|the)\s+\w"
    rf"|\bI'?m\s+{_ADVERBS}(?-i:[A-Z])"
    r"|(?:^|[.!?,;:]\s+|\n\s*|[^\w\s]\s*|\b(?:and|but)\s+)as\s+(?:an?|the)\s+\w"
    r"|\b(?:years?|decades?)\s+(?:as|behind|at|in)\s+(?:an?\s+|the\s+|my\s+)?\w"
    r"|\b(?:at\s+work|working)\s+as\s+(?:an?|the)\s+\w|\bfor\s+a\s+living\b"
    r"|\bthe\s+\w+(?:\s+\w+)?\s+in\s+me\b|\bon\s+an?\s+(?:\w+\s+)?contract\b"
    r"|\b(?:an?|the|their|brand)\s+ambassador\b"
    # a life: "I own", "I run a café", "I work at", "I trained in", "I converted", "I moved"
    rf"|\b(?:i|we)(?:'ve|\s+have|\s+had)?\s+{_ADVERBS}(?:own|owned|run|ran|manage|managed|"
    r"work|worked|teach|taught|studied|trained|founded|co-?founded|opened|started\s+working|"
    r"joined|converted|moved|relocated|live|lived|grew\s+up|was\s+born|were\s+born|retired|"
    r"quit|sold|married|graduated|qualified)\b"
    # "my husband", "our roastery", "my family's café"
    rf"|\b(?:my|our)\s+(?:\w+\s+)?(?:{_OWN})\b"
    r"|\bwe(?:'re|\s+are|\s+were)\s+\w"
    # who runs or writes the channel, and its fate
    r"|\b(?:this|the|my|our)\s+(?:account|channel|page)\s+(?:\w+\s+){0,3}?"
    r"(?:is|was|has\s+been|will\s+be|gets)\s+(?:now\s+)?(?:run|owned|managed|handled|sold|"
    r"bought|moving|ending|closing|going|shutting|members|paid|written|made|produced|"
    r"operated|taken)"
    r"|\b(?:owns|runs|manages|bought|took\s+over|operates|handles)\s+(?:the|this|my|our)\s+"
    r"(?:channel|account|page)"
    r"|\b(?:my|this\s+is\s+my)\s+(?:last|final)\s+(?:upload|video|post)", re.IGNORECASE)
ZH = re.compile(
    # a role or a past: 我是…, 我其实是…, 我本职…, 我以前做…, 作为一名…
    r"我(?:其实|本来|以前|之前|现在|也|本身|原来|曾经|真的)*(?:是(?!\s*\d|\s*[一二三四五六七八九十两几]+\s*[点号月年分克度秒格次杯]|[放用从把在先每直按拿])|本职|做过|当过|干过|学过|"
    r"毕业|出身|从事|考了|有.{0,4}(?:执照|证书|资格))"
    r"|作为(?:一[名个位])?"
    r"|(?:做了|干了|当了)[一二三四五六七八九十几两\d]+年"
    # a life: 我在…工作/开了…, 我开了, 我经营, 我签约, 我皈依, 我搬到
    r"|我(?:们)?(?:在[^，。！？,.!?\n]{1,10}?(?:工作|上班|开了|开的|开店|当|做过|学了|学过|住|生活|"
    r"长大|出生)|"
    r"开了|开的|经营|创办|签约|加入了|皈依|信|搬到|移居|住在|嫁|娶|毕业于|退休)"
    # 我的店, 我们店, 我老公, 我助理, 我工作的…
    r"|我(?:[^，。！？,.!?\n]{0,10}?(?:辞职|离职|入职|跳槽|转行|退休))"
    r"|(?:团队|助理|小编|运营|工作人员)[^，。！？,.!?\n]{0,8}回复|代[^，。！？,.!?\n]{0,8}回复"
    r"|我(?:的|们|们的|家|自己的?)?(?:品牌|周边|店|咖啡馆|咖啡店|烘焙坊|公司|团队|助理|老公|丈夫|老婆|妻子|"
    r"孩子|女儿|儿子|姐姐|妹妹|哥哥|弟弟|爸妈|父母|老板|经纪人|经纪公司|赞助商|课程|学员|"
    r"员工|同事|工作室|诊所|病人)"
    r"|我工作的|我们(?:两|俩|几个|团队|是)"
    # who runs the channel, and its fate: 这个号现在…, 频道由…运营, 最后一期
    r"|(?:(?:这个|本|我的|我们的)号|(?:这个|本|我的|我们的)?(?:账号|频道))(?:现在|已经|以后|之后)?"
    r"(?:是|由|交给|被|归|卖|停|关|转|不再|改成)"
    r"|最后一期|不更新了|停更")


def claims(body: str, name: str = "") -> list[str]:
    """The clauses of the reply that say who the creator (or `name`, their name) is, what they
    do for a living, own, belong to or live with, or who runs the channel; denials left out."""
    body = body.replace("’", "'")
    found = []
    for pattern in (EN, ZH, *_named(name)):
        for match in pattern.finditer(body):
            # the claim's words begin after any punctuation the pattern read before them
            start = match.start() + len(match.group(0)) - len(match.group(0).lstrip(LEAD))
            reach = min(len(body), match.end() + CLAUSE_REACH)
            end = CLAUSE_END.search(body, match.end(), reach)
            clause = body[start:end.start() if end else reach]
            starts = [m.end() for m in CLAUSE_START.finditer(body, 0, start)]
            before = body[starts[-1] if starts else 0:start]
            if not DENIED.search(before + body[start:match.end()]) \
                    and not DENIED_ZH.search(clause):
                found.append(clause.strip())
    return list(dict.fromkeys(c for c in found if c))


@lru_cache(maxsize=16)
def _named(name: str) -> tuple[re.Pattern[str], ...]:
    """The creator spoken of by name ("Lina is actually two sisters", "Lina其实是…", "the Lina
    Brews team"); none for a name that is no name ("the creator", the default)."""
    first = name.strip().split()[0] if name.strip() else ""
    if not first or not (first[0].isupper() or "\u3400" <= first[0] <= "\u9fff"):
        return ()
    named = re.escape(first)
    return (re.compile(
        rf"\b{named}\s+(?:is|was|has\s+been)\s+{_ADVERBS}\w|{named}\s*(?:其实|本人|就)?是"
        rf"|\b{named}(?:\s+\w+)?\s+(?:team|staff|crew|assistants?)\b", re.IGNORECASE),)
