"""Decide whether a comment gets a reply at all, and say why."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot.voice import shape_of
from connectors.base import Comment

LINK = re.compile(r"https?://|www\.|\b[\w-]+\.(com|net|org|io|xyz|top|cc|me|example)\b", re.I)
SPAM_PHRASES = re.compile(
    r"telegram|whats\s*app|dm me|message me|earn \$|\$\d+\s*(/|per)\s*day|crypto|forex|"
    r"check (out )?my (channel|profile)|sub(scribe)? ?4 ?sub|free (gift|iphone)|"
    r"加(我)?(微信|v信|vx|v|薇|qq)|私聊|日赚|兼职|刷单|返利|稳赚|代理|引流",
    re.IGNORECASE,
)


TOXIC = re.compile(
    r"\b(idiot|stupid|dumbest|moron|loser|trash|garbage|pathetic|worthless|shut up|ugly|"
    r"hate you|disgusting|clown|fraud|scammer|troll|miserable)\b|垃圾|傻[逼瓜子]|废物|滚|去死|恶心"
    r"|骗子|白痴|脑残|丑八怪|脑子有问题|误人子弟|难听死了",
    re.IGNORECASE,
)
CRISIS = re.compile(
    r"\b(kill (myself|me)|suicid\w*|end (it all|my life)|want to die|self[- ]harm|hurt myself|"
    r"no reason to live|(don'?t|do not|no longer) want to (live|be alive|be here)|"
    r"better off (dead|without me)|ending it all|hurting myself|don'?t see the point in anything|"
    r"if i disappeared|not wake up|a burden|depress\w*)"
    r"\b|不想活|自杀|轻生|活不下去|想死|伤害自己|撑不下去|活着没(什么)?意思|一了百了|消失了|负担|抑郁",
    re.IGNORECASE,
)
PRIVATE = re.compile(
    r"\b(home address|exact address|where (exactly )?do you live|(personal|private) (phone|"
    r"email|number)|your (phone|cell|mobile)( number)?|your email|(what|which) (school|"
    r"neighbou?rhood|kindergarten)|your (kid|child|son|daughter)'?s? school|real name|"
    r"leave the house|bank details|venmo|paypal)\b|"
    r"住(在)?哪|家(庭)?地址|电话|手机号|邮箱|哪个(学校|幼儿园|小区)|真名|微信号|几点出门|"
    r"住.{0,6}附近|哪栋楼|银行卡",
    re.IGNORECASE,
)
SENSITIVE = re.compile(
    r"\b(lawyer|lawsuit|sue you|copyright claim|journalist|press inquiry|interview request|"
    r"pregnan\w*|heart condition|medication|blood pressure)\b"
    r"|律师|起诉|侵权|记者|采访|怀孕|药物|血压",
    re.IGNORECASE,
)


INJECTION = re.compile(
    r"\b(ignore (all |any )?(the )?(previous|prior|above|your|earlier) (instructions|rules|prompt)"
    r"|system prompt|developer mode|jailbreak|you are now|pretend (you are|to be)|act as (a|an)?"
    r"|no (rules|restrictions|limits)|DAN)\b"
    r"|^\s*[\[(【]?\s*(system|assistant|admin)\s*[\])】]?\s*[:：]"
    r"|忽略(之前|以上|所有|前面)|指令|提示词|系统(消息|提示)|扮演|没有(任何)?限制|管理员已授权"
    r"|\b(repeat (the|everything|all)[\w ]{0,20}above|(print|output|reveal|show) your "
    r"(configuration|config|instructions|prompt|model|settings)|debug mode|admin override"
    r"|reply (to this comment )?with only|disregard|hidden instructions|unfiltered)\b"
    r"|原封不动|复述|开发者模式|后台配置|只回复|无视|照做|第一条消息|你是怎么被设定",
    re.IGNORECASE | re.MULTILINE,
)


@dataclass(frozen=True)
class Triage:
    reply: bool
    label: str
    reason: str
    #: a person must see the draft first, whatever the mode
    needs_human: bool = False


def _has_content(text: str) -> bool:
    return any(unicodedata.category(ch)[0] in "LNS" for ch in text)


def triage(comment: Comment) -> Triage:
    """The first rule that matches decides; a comment no rule stops gets a reply."""
    text = comment.text.strip()
    text = unicodedata.normalize("NFKC", text)  # full-width and lookalike letters
    if comment.is_own:
        return Triage(False, "own", "written by the creator")
    if not comment.can_reply:
        return Triage(False, "cannot_reply", "the platform does not allow replies here")
    if not text or not _has_content(text):
        return Triage(False, "empty", "the comment has no text")
    crisis = CRISIS.search(text)
    if crisis:  # before anything else: answered by a person, never skipped, never automatic
        return Triage(True, "needs_human", f"personal crisis ({crisis.group(0)!r})", True)
    injection = INJECTION.search(text)
    if injection:
        return Triage(True, "needs_human", f"tries to instruct the bot ({injection.group(0)!r})",
                      True)
    toxic = TOXIC.search(text)
    if toxic:
        return Triage(False, "toxic", f"hostile wording {toxic.group(0)!r}")
    private = PRIVATE.search(text) or SENSITIVE.search(text)
    if private:
        return Triage(True, "needs_human", f"asks for private or sensitive matters "
                      f"({private.group(0)!r})", True)
    spam = SPAM_PHRASES.search(text)
    if spam and (LINK.search(text) or len(text) < 400):
        return Triage(False, "spam", f"spam phrase {spam.group(0)!r}")
    if LINK.search(text) and shape_of(text, 1).kind != "question":
        return Triage(False, "spam", "a link with no question")
    kind = shape_of(text, 1).kind
    label = {"question": "question", "short": "praise", "long": "feedback"}[kind]
    return Triage(True, label, f"{label} comment")
