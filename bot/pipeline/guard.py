"""The output guard: checks every draft, whatever the model says, before it can be posted.

A draft that fails is never posted automatically: it goes to the queue with the reasons, for the
creator to judge. The checks look at the text itself, so a model that obeys a hostile comment
(posts the link, echoes its instructions, promises a giveaway) is caught here, not trusted.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.pipeline.lexicon import COMMON, TOXIC

#: a link however written: with a scheme, any name.suffix (every suffix, not a list of them),
#: "name dot shop", or the target of a Markdown link
# each run of word characters is tried from its start only: a long "a-a-a-…" stays linear
URL = re.compile(r"(?:https?://|www\.)\S+|(?<![\w.-])[\w-]{2,}(?:\.[\w-]+)*\.[a-z]{2,24}\b"
                 r"(?:/\S*)?|(?<![\w-])[\w-]{2,}\s*[(\[]?\s*dot\s*[)\]]?\s*[a-z]{2,24}\b"
                 r"|\]\(\s*[^()\[\]\s]+\s*\)",
                 re.IGNORECASE)
#: letters of other scripts that pass for Latin ones inside a Latin word ("mоrons", "linaguide.cоm")
LOOKALIKES = str.maketrans(
    "аеорсухіјѕԁһӏԛԝАВЕКМНОРСТХІЈЅοαρνικτυΑΒΕΖΗΙΚΜΝΟΡΤΧΥ",
    "aeopcyxijsdhlqwABEKMHOPCTXIJSoapvikruABEZHIKMNOPTXY")
MIXED = re.compile(r"(?<!\w)\w*[a-zA-Z]\w*")  # from a word's start only: linear
EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
PHONE = re.compile(r"(?<!\d)(?:\+?\d[\d\s().-]{7,}\d|1[3-9]\d{9})(?!\d)")
DIGIT_WORDS = {word: str(i) for i, words in enumerate((
    "zero oh 零 〇 洞", "one 一 幺", "two 二 两", "three 三", "four 四", "five 五", "six 六",
    "seven 七 拐", "eight 八", "nine 九 勾")) for word in words.split()}
SPELLED_DIGIT = re.compile(r"\b(?:zero|oh|one|two|three|four|five|six|seven|eight|nine)\b"
                           r"|[零〇洞一幺二两三四五六七拐八九勾]", re.IGNORECASE)
MENTION = re.compile(r"(?<![\w@])@([\w.]{2,})")
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
LETTER = re.compile(r"[^\W\d_]")
# "free" offers, not compounds like royalty-free or sugar-free
MONEY = re.compile(r"[$€£¥]\s?\d|(?<!\d)\d+\s?(?:usd|usdt|eur|euros?|rmb|cny|yuan|元|块|美元|"
                   r"人民币|dollars?)(?![a-z])|(?<!-)\bfree\b|免费"
                   r"|(?<!\d)\d+\s?%\s?off|[一二三四五六七八九\d]折", re.IGNORECASE)
GIVEAWAY = re.compile(r"giveaway|giving away|give away|discount|coupon|promo code"
                      r"|\bcode [A-Z0-9]{4,}|prize|winner"
                      r"|抽奖|送出|赠送|送一|优惠|折扣|红包|福利|奖品|中奖",
                      re.IGNORECASE)
#: a way to send money: the creator's replies never ask for any
PAYMENT = re.compile(r"\b(?:alipay|paypal|venmo|cash ?app|zelle|wechat ?pay|(?:bank|wire) transfer|"
                     r"iban|usdt|bitcoin|btc|(?:crypto )?wallet|tip jar)\b"
                     r"|支付宝|微信支付|转账|汇款|打款|收款码|比特币", re.IGNORECASE)
DATE = re.compile(r"\b(?:tomorrow|tonight|next (?:week|month|monday|tuesday|wednesday|thursday|"
                  r"friday|saturday|sunday)|on (?:monday|tuesday|wednesday|thursday|friday|"
                  r"saturday|sunday)|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
                  r" \d{1,2}(?:st|nd|rd|th)?|\d{1,2}(?::\d{2})?\s?[ap]\.?m\.?)\b"
                  r"|明天|下周|下个?星期|下个月|\d{1,2}月\d{1,2}[日号]|[早晚上下午]{2}\d{1,2}[点:：]",
                  re.IGNORECASE)
ADDRESS = re.compile(r"\b\d+\s+\w+(?:\s\w+)?\s(?:street|st\.|avenue|ave\.?|road|rd\.|lane|"
                     r"boulevard|blvd)\b|\bapt\.?\s?\w+|[路街道]\d+[弄号]|(?<!\d)\d+(?:室|号楼)",
                     re.IGNORECASE)
HANDLE = re.compile(r"(?:微信|vx|wechat|whats\s?app|telegram|\btg\b|qq|line id|kik)\s*(?:号)?\s*"
                    r"[:：]?\s*[\w.+-]{5,}", re.IGNORECASE)
ROLE = re.compile(r"\b(my (instructions|rules|system prompt|prompt) (are|is)|policy accepted|"
                  r"i(?:'m| am) now allowed|no rules for me|DAN here|as an ai)\b|我的指令|提示词"
                  r"|已确认|没有任何限制|规则[:：]|我被(?:要求|告知|设定)|不能透露", re.IGNORECASE)


#: the creator never asks a viewer to sign in anywhere or vouches for a message: a reply that
#: does is a scammer's ("Yes, that DM is from me, log in on that page")
ACCOUNT = re.compile(r"\b(?:log(?:ged)?[\s-]?in|sign(?:ed)?[\s-]?in|password|passcode|"
                     r"credentials|verify your account|i sent (?:that|the|this|you) (?:dm|message)|"
                     r"(?:dm|direct message|message)\b(?:\s+\w+){0,3}?\s+(?:is|was)\s+"
                     r"(?:really |actually |indeed |truly )?(?:from me|mine|real|legit))\b"
                     r"|登录|登陆|登入|扫码|密码|验证码|私信(?:是|就是|确实是)我|(?:确实)?是我发的",
                     re.IGNORECASE)
#: "you don't need to sign in", "不需要登录": a warning against the scam, right before its verb
NEGATED = re.compile(r"(?:\b(?:don'?t|doesn'?t|won'?t|never|not|no need to|without)\s+"
                     r"(?:need to\s+|have to\s+|ask(?:s|ed)? (?:you )?to\s+)?"
                     r"|不需要|不用|无需|不必|从不|不会)$", re.IGNORECASE)
#: what only a doctor should tell a viewer, and a viewer's child: a reply that speaks of it
#: waits for the creator
HEALTH = re.compile(r"\b(?:(?<!stay )safe(?! (?:travels?|trips?|journey|flights?|and sound))|"
                    r"unsafe|healthy|unhealthy|harmless|dosage|overdose|milligrams?|mg|"
                    r"pregnan\w*|breastfeed\w*|nursing|infants?|toddlers?|kids?|"
                    r"child(?:ren)?|\d+\s?(?:yo|y/o)|\d+[- ]years?[- ]olds?|"
                    r"(?:one|two|three|four|five|six|seven|eight|nine|ten)[- ]years?[- ]olds?|"
                    r"heart (?:condition|disease|problems?|rate)|palpitations?|blood pressure|"
                    r"anxiety|insomnia|symptoms?|treatments?|medical|medicines?|medications?|"
                    r"cur(?:e|es|ed)|diabet\w*|ulcers?|migraines?|headaches?)\b"
                    r"|(?<![\d.])\d+(?:\.\d+)?\s?mg\b"
                    r"|(?<!注意)安全|(?<!身体)健康|孕|哺乳|婴儿|孩子|小孩|小朋友|(?<!\d)\d+\s*岁|剂量|"
                    r"毫克|心脏|血压|焦虑|失眠|症状|医疗|治疗|(?<!中)药(?!味)|胃病|糖尿病",
                    re.IGNORECASE)
#: a capitalised word or one with digits: a name or a model, in any language's text
LATIN_NAME = re.compile(r"(?<![\w-])(?:[A-Z][\w'-]*|[A-Za-z-]*\d[\w./-]*)")
#: words of four letters or more, for what a reply shares with the instructions
LONG_WORD = re.compile(r"[a-z]{4,}")


def plain(text: str) -> str:
    """The text as a reader sees it: full-width forms folded (NFKC), invisible characters such
    as zero-width spaces dropped, and other scripts' lookalike letters inside Latin words read
    as the Latin letters they pass for."""
    folded = "".join(c for c in unicodedata.normalize("NFKC", text)
                     if unicodedata.category(c) != "Cf")
    return MIXED.sub(lambda m: m.group(0).translate(LOOKALIKES), folded)


#: where a clause ends in text read through `plain`, which folds the full-width "，！？：；" of
#: Chinese into these ("。" it keeps)
CLAUSE_END = r"[,.!?:;。\n]"
#: a character within such a clause
WITHIN = r"[^,.!?:;。\n]"


def in_digits(text: str) -> str:
    """The text with digits spelt as words written as digits, and the commas and spaces between
    them dropped: "one three eight, zero zero one two" reads "1380012"."""
    spelt = SPELLED_DIGIT.sub(lambda m: "\0" + DIGIT_WORDS[m.group(0).lower()], text)
    return re.sub(r"(?<=\0\d)[\s,，、-]+(?=\0\d)", "", spelt).replace("\0", "")


@dataclass(frozen=True)
class Verdict:
    """Why a draft is held (`reasons`), and checks that could not be made (`unavailable`): an
    unreachable moderation endpoint is no verdict on the draft either way."""

    reasons: tuple[str, ...] = ()
    unavailable: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.reasons and not self.unavailable

    @property
    def kinds(self) -> list[str]:
        return [r.split(":", 1)[0] for r in (*self.reasons, *self.unavailable)]

    def __add__(self, other: Verdict) -> Verdict:
        return Verdict((*self.reasons, *other.reasons), (*self.unavailable, *other.unavailable))


@dataclass
class Guard:
    """Rules from `[guard]`; `canary` is the marker hidden in the system prompt."""

    canary: str
    allowed_domains: Sequence[str] = ()
    allowed_mentions: Sequence[str] = ()
    banned: Sequence[str] = ()
    max_chars: int = 10_000
    check_language: bool = True
    _banned: list[re.Pattern[str]] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        self._banned = [re.compile(re.escape(w), re.IGNORECASE) for w in self.banned if w]

    def check(self, draft: str, comment: str, context: Sequence[str],
              system_prompt: str) -> Verdict:
        text = plain(draft)
        reasons = [*self._contact(text), *self._leaks(text, system_prompt, context, comment),
                   *self._words(text), *self._promises(text, context), *self._health(text, context),
                   *self._size(text)]
        if self.check_language:
            reasons.extend(self._language(text, comment))
        return Verdict(tuple(reasons))

    def _contact(self, text: str) -> list[str]:
        reasons = []
        account = next((m for m in ACCOUNT.finditer(text)
                        if not NEGATED.search(text[max(0, m.start() - 30):m.start()])), None)
        if account:
            reasons.append(f"account: {account.group(0)!r}, as scams ask")
        links = [u for u in URL.findall(text) if not self._allowed_link(u)]
        if links:
            reasons.append(f"link: {links[0][:60]}")
        if EMAIL.search(text):
            reasons.append("email address")
        if PHONE.search(text) or PHONE.search(in_digits(text)):
            reasons.append("phone number")
        if ADDRESS.search(text):
            reasons.append("address")
        if HANDLE.search(text):
            reasons.append("contact handle")
        mentions = [m for m in MENTION.findall(text)
                    if m.lower() not in {a.lower().lstrip("@") for a in self.allowed_mentions}]
        if mentions:
            reasons.append(f"mention: @{mentions[0]}")
        return reasons

    def _allowed_link(self, url: str) -> bool:
        host = re.sub(r"^[\u3400-\u9fff]*(?:https?://)?(?:www\.)?", "", url.lower()).split("/")[0]
        return any(host == d or host.endswith("." + d) for d in self.allowed_domains)

    def _leaks(self, text: str, system_prompt: str, context: Sequence[str] = (),
               comment: str = "") -> list[str]:
        if self.canary and self.canary in text:
            return ["leak: the draft repeats the hidden marker of the instructions"]
        role = ROLE.search(text)
        if role:
            return [f"leak: the draft talks about its instructions ({role.group(0)!r})"]
        words = re.findall(r"\w+", system_prompt.lower())
        spans = {" ".join(words[i:i + 8]) for i in range(len(words) - 7)}
        draft = re.findall(r"\w+", text.lower())
        if any(" ".join(draft[i:i + 8]) in spans for i in range(len(draft) - 7)):
            return ["leak: the draft quotes the instructions"]
        echoed = _echoed_rules(text, system_prompt, [*context, comment])
        if echoed:
            return [f"leak: the draft describes its instructions ({', '.join(echoed[:4])})"]
        return []

    @staticmethod
    def _health(text: str, context: Sequence[str]) -> list[str]:
        """Safety, doses, pregnancy, children, illness: a person answers, unless the
        creator's own notes for this comment speak of it."""
        known = " ".join(context).lower()
        for match in HEALTH.finditer(text):
            said = match.group(0).lower()
            if not re.search(rf"(?<!\w){re.escape(said)}(?!\w)", known):
                return [f"health: {match.group(0)!r}, for a person to answer"]
        return []

    def _words(self, text: str) -> list[str]:
        reasons = []
        hits = [p.pattern.replace("\\", "") for p in self._banned if p.search(text)]
        if hits:
            reasons.append(f"banned: {hits[0]}")
        hostile = TOXIC.search(text)
        if hostile:
            reasons.append(f"hostile: {hostile.group(0)!r}")
        return reasons

    @staticmethod
    def _promises(text: str, context: Sequence[str]) -> list[str]:
        """Prices, dates, giveaways and ways to pay must come from the creator's material, not
        the model."""
        known = " ".join(context).lower()
        reasons = []
        for kind, pattern in (("price", MONEY), ("giveaway", GIVEAWAY), ("date", DATE),
                              ("payment", PAYMENT)):
            for match in pattern.finditer(text):
                if match.group(0).lower() not in known:
                    reasons.append(f"promise: {kind} {match.group(0)!r} not in the context")
                    break
        return reasons

    def _size(self, text: str) -> list[str]:
        if not text.strip():
            return ["empty"]
        if len(text) > self.max_chars:
            return [f"length: {len(text)} characters, the limit is {self.max_chars}"]
        return []

    @staticmethod
    def _language(text: str, comment: str) -> list[str]:
        def cjk_share(s: str) -> float | None:
            # names and models are written in Latin letters in Chinese too ("Sony ZV-E10，镜头
            # Sigma 30mm"): only the other words tell the language
            letters = LETTER.findall(LATIN_NAME.sub(" ", s))
            return len(CJK.findall(s)) / len(letters) if len(letters) >= 4 else None

        asked, answered = cjk_share(comment), cjk_share(text)
        if asked is None or answered is None:
            return []
        if asked > 0.5 and answered < 0.2:
            return ["language: the comment is Chinese, the draft is not"]
        if asked < 0.1 and answered > 0.5:
            return ["language: the comment is not Chinese, the draft is"]
        return []


def _stem(word: str) -> str:
    return re.sub(r"(?:ing|ed|es|s)$", "", word) if len(word) > 5 else word


def _echoed_rules(text: str, system_prompt: str, theirs: Sequence[str]) -> list[str]:
    """The words the draft shares with its instructions and nothing else it was given (the
    notes, the comment): "I stay warm and practical, one emoji max, never push products" says
    how the bot was set up, in words of its own. Four such words, a quarter of the draft's
    long words, is a description of the instructions; the creator's name is not counted, nor
    are the commonest words ("thank", "good")."""
    name = re.match(r"You are ([^.\n]*)", system_prompt)
    known = {_stem(w) for w in LONG_WORD.findall(" ".join([*theirs, *(name.groups() if name
                                                                       else ())]).lower())}
    rules = {_stem(w) for w in LONG_WORD.findall(system_prompt.lower())} - known - COMMON_STEMS
    said = list(dict.fromkeys(_stem(w) for w in LONG_WORD.findall(text.lower())))
    echoed = [w for w in said if w in rules]
    return echoed if len(echoed) >= 4 and len(echoed) >= 0.25 * len(said) else []


COMMON_STEMS = frozenset(_stem(w) for w in [*COMMON, *(
    "that this with your from have just what when will about there they them then than like "
    "more much very really make sure into also some only never always reply replies comment "
    "comments viewer viewers video videos write writes written good great nice love day "
    "time something every").split()])
