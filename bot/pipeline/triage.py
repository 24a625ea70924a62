"""Sort every comment into a class, with the reason, before anything is drafted.

Classes: question, praise, feedback (including criticism), request, spam, toxic, off_topic and
needs_human (legal, medical, personal crisis, press, private matters). Three sources, in order:

1. rules: patterns for crises, attempts to instruct the bot (phrases, and
   `bot.pipeline.injection` for any order of words and disguises), insults, private questions,
   spam phrases in English and Chinese and the spam classifier (`bot.pipeline.spam`), on text
   folded with NFKC (full-width and lookalike forms). Viewers use spam's phrases too ("is there
   a Telegram group?"): a phrase calls a comment spam only when the classifier does not read it
   unlike spam, and the nearest examples (3.) call it spam on the same condition; otherwise a
   person decides;
2. the OpenAI moderation endpoint, when `[triage] moderation` is on;
3. the offline classifier (`bot.pipeline.classify`): the class of the nearest labelled examples.

What happens to each class is the policy's business (`[policy.actions]`), not triage's. The
comments that are no class at all (the creator's own, empty ones, ones the platform closed)
are never answered.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.domain import HARMFUL, NOT_CLASSES, Label, Moderation
from bot.errors import ModelError
from bot.log import log
from bot.pipeline.classify import Guess, NearestExamples
from bot.pipeline.guard import Verdict
from bot.pipeline.injection import instructs
from bot.pipeline.lexicon import ACCUSATION, TOXIC
from bot.pipeline.prompt import shape_of
from bot.pipeline.spam import Reading, SpamClassifier, bundled_classifier
from bot.pipeline.spam import bundled as spam_model
from connectors.base import Comment

LINK = re.compile(r"https?://|www\.|\b[\w-]+\.(com|net|org|io|xyz|top|cc|me|example)\b", re.I)
SPAM_PHRASES = re.compile(
    r"telegram|whats\s*app|dm me|message me|earn \$|\$\d+\s*(/|per)\s*day|crypto|forex|"
    r"check (out )?my (channel|profile)|sub(scribe)? ?4 ?sub|free (gift|iphone)|"
    r"加(我)?(微信|v信|vx|v|薇|qq)|私聊|日赚|兼职|刷单|返利|稳赚|代理|引流",
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
    r"email|number)|your (phone ?(number|no|num)|(cell|mobile)( number)?)|your email|"
    r"(what|which) (school|neighbou?rhood|kindergarten)|your (kid|child|son|daughter)'?s? school|"
    r"real name|leave the house|bank details|venmo|paypal)\b|your phone ?#|"
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
    r"|(?:^|```|<\|)\s*[\[(【]?\s*(system|assistant|admin|developer)\s*[\])】]?\s*[:：]"
    r"|忽略(之前|以上|所有|前面)|指令|提示词|系统(消息|提示)|扮演|没有(任何)?限制|管理员已授权"
    r"|\b(repeat (the|everything|all)[\w ]{0,20}above|(print|output|reveal|show) your "
    r"(configuration|config|instructions|prompt|model|settings)|debug mode|admin override"
    r"|reply (to this comment )?with only|disregard|hidden instructions|unfiltered)\b"
    r"|原封不动|复述|开发者模式|后台配置|只回复|无视|照做|第一条消息|你是怎么被设定",
    re.IGNORECASE | re.MULTILINE,
)


MODERATION_DOWN = "moderation: unavailable"


@dataclass(frozen=True)
class Triage:
    label: Label
    reason: str
    #: rules, moderation, classifier or shape (the comment's form: question mark, length)
    source: str = "rules"
    #: what the sources said, for the audit log
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def answerable(self) -> bool:
        return self.label not in NOT_CLASSES

    @property
    def moderation_unavailable(self) -> bool:
        return "moderation_error" in self.detail

    def to_json(self) -> dict[str, Any]:
        return {"label": self.label, "reason": self.reason, "source": self.source,
                **self.detail}


class Moderator(Protocol):
    def moderate(self, text: str) -> Moderation: ...


def _has_content(text: str) -> bool:
    return any(unicodedata.category(ch)[0] in "LNS" for ch in text)


def rules(comment: Comment, widened: bool = True, spam_wording: bool = True) -> Triage | None:
    """The patterns' verdict, or None when no rule decides; `widened` adds the instruction
    finder and the spam classifier to the phrase lists (off only to measure the lists alone).
    `spam_wording` asks the spam classifier by wording alone (when no embedding is at hand;
    the Triager asks it with the comment's vector)."""
    text = unicodedata.normalize("NFKC", comment.text.strip())  # full-width, lookalike letters
    if comment.is_own:
        return Triage(Label.OWN, "written by the creator")
    if not comment.can_reply:
        return Triage(Label.CANNOT_REPLY, "the platform does not allow replies here")
    if not text or not _has_content(text):
        return Triage(Label.EMPTY, "the comment has no text")
    crisis = CRISIS.search(text)
    if crisis:  # before anything else: answered by a person, never skipped, never automatic
        return Triage(Label.NEEDS_HUMAN, f"personal crisis ({crisis.group(0)!r})")
    injection = INJECTION.search(text)
    hint = injection.group(0) if injection else instructs(text) if widened else None
    if hint:
        return Triage(Label.NEEDS_HUMAN, f"tries to instruct the bot ({hint!r})")
    hostile = [m.group(0) for m in TOXIC.finditer(text)]
    insults = [word for word in hostile if not ACCUSATION.fullmatch(word)]
    if insults:
        return Triage(Label.TOXIC, f"hostile wording {insults[0]!r}")
    if hostile:
        return Triage(Label.NEEDS_HUMAN, f"calls someone a scammer ({hostile[0]!r}): a warning "
                      f"to other viewers or an accusation")
    private = PRIVATE.search(text) or SENSITIVE.search(text)
    if private:
        return Triage(Label.NEEDS_HUMAN, f"asks for private or sensitive matters "
                      f"({private.group(0)!r})")
    phrase = spam_phrase(text)
    if phrase and (not widened or spam_wording and not bundled_classifier().read(text).unlike):
        return Triage(Label.SPAM, phrase)
    if widened and spam_wording and spam_model().is_spam(text):
        return Triage(Label.SPAM, f"reads like spam (log-odds {spam_model().log_odds(text):.1f})")
    return None


def spam_phrase(text: str) -> str | None:
    """What spam's look the comment has: a phrase spam uses ("telegram", "crypto", "加微信"), in
    a comment short enough or with a link, or a link with no question. Viewers use them too
    ("is there a Telegram group?", "the manual is on gaggia.com"), so this calls a comment spam
    only when the classifier does not read it unlike spam; when it does, a person decides."""
    found = SPAM_PHRASES.search(text)
    if found and (LINK.search(text) or len(text) < 400):
        return f"spam phrase {found.group(0)!r}"
    if LINK.search(text) and shape_of(text, 1).kind != "question":
        return "a link with no question"
    return None


def by_shape(text: str) -> Label:
    kind = shape_of(text, 1).kind
    return {"question": Label.QUESTION, "short": Label.PRAISE, "long": Label.FEEDBACK}[kind]


def triage(comment: Comment) -> Triage:
    """Rules and the comment's shape only: no model, no network."""
    return Triager()(comment)


@dataclass
class Triager:
    """Rules, then moderation (if configured), then the offline classifier."""

    classifier: NearestExamples | None = None
    moderator: Moderator | None = None
    #: how sure the classifier must be to call a comment spam, toxic or needs-human by itself
    min_confidence: float = 0.6
    #: the benign classes are taken from the classifier above this share of the vote
    min_benign_confidence: float = 0.5
    sure_benign: float = 0.8
    #: the share of the vote at which the classifier skips a comment as toxic unseen; below it
    #: (from `min_confidence`) a person reads it: praise sits next to "Cringe. Unsubscribed"
    #: ("Finally a review that isn't sponsored, respect")
    sure_toxic: float = 0.8
    reply_min_similarity: float = 0.85
    widened: bool = True
    #: spam by wording and meaning (bot.pipeline.spam); the shipped one unless given
    spam_classifier: SpamClassifier = field(default_factory=bundled_classifier)

    def __call__(self, comment: Comment) -> Triage:
        decided = rules(comment, self.widened, spam_wording=self.classifier is None)
        if decided is not None:
            return decided
        text = unicodedata.normalize("NFKC", comment.text.strip())
        detail: dict[str, Any] = {}
        reading = self.spam(text) if self.widened else None
        # what spam looks like in a comment the spam classifier reads unlike spam: a person
        # decides
        doubts: list[str] = []
        if reading is not None:
            if reading.spam and self.classifier is not None:
                return Triage(Label.SPAM, f"reads like spam ({reading.why})", "classifier")
            phrase = spam_phrase(text)
            if phrase and not reading.unlike:
                return Triage(Label.SPAM, f"{phrase} ({reading.why})")
            if phrase:  # a viewer's words, most likely ("is there a Telegram group?")
                doubts.append(f"{phrase}, as spam has")
            detail["spam"] = reading.to_json()  # auto mode asks whether it reads unlike spam
        moderated = self._moderate(text, detail)
        if moderated is not None:
            return moderated
        guess = self.classifier.classify(text) if self.classifier is not None else None
        if guess is not None:
            detail["classifier"] = {"label": guess.label,
                                    "confidence": round(guess.confidence, 3),
                                    "similarity": round(guess.similarity, 3),
                                    "nearest": guess.nearest}
            if guess.label in HARMFUL and guess.confidence >= self.min_confidence:
                if guess.label == Label.TOXIC and guess.confidence < self.sure_toxic:
                    return Triage(Label.NEEDS_HUMAN, f"may be hostile: like labelled "
                                  f"{guess.describe()}", "classifier", detail)
                # the examples are few: when the spam classifier, which has read far more,
                # reads the comment unlike spam, a person decides
                if guess.label != Label.SPAM or reading is None or not reading.unlike:
                    return Triage(guess.label, f"like labelled {guess.describe()}",
                                  "classifier", detail)
                doubts.append(f"like labelled {guess.describe()}")
        if reading is not None and doubts:
            # held whatever `[guard] auto_checks` asks, with the reason in every mode
            why = f"{'; '.join(doubts)}, though it {reading.why}"
            detail["spam"] = Reading(False, False, reading.score, why).to_json()
            return Triage(Label.NEEDS_HUMAN, f"looks like spam to one reading: {why}",
                          "classifier", detail)
        return self._benign(text, guess, detail)

    def _moderate(self, text: str, detail: dict[str, Any]) -> Triage | None:
        """The moderation endpoint's verdict when it flags the comment (its categories, or
        why it could not be asked, go into `detail`)."""
        if self.moderator is None:
            return None
        try:
            verdict = self.moderator.moderate(text)
        except ModelError as exc:
            log.warning("moderation unavailable; a person will check", error=str(exc))
            detail["moderation_error"] = str(exc)
            return None
        detail["moderation"] = list(verdict.categories)
        return self._moderated(verdict, detail) if verdict.flagged else None

    def spam(self, text: str) -> Reading:
        """The spam classifier's reading by wording and by meaning (the comment's vector,
        which the classifier computes anyway, when it comes from the embedder the spam
        references were embedded with)."""
        spam = self.spam_classifier
        vector = None
        if self.classifier is not None and spam.embedder \
                and spam.embedder == self.classifier.embedder_name:
            vector = self.classifier.vector(text)
        return spam.read(text, vector)

    def warm(self, comments: Sequence[Comment]) -> None:
        """Embed in one model call the comments of a batch that the classifier will see."""
        if self.classifier is not None:
            self.classifier.warm([unicodedata.normalize("NFKC", c.text.strip())
                                  for c in comments
                                  if rules(c, self.widened, spam_wording=False) is None])

    def judge_reply(self, text: str) -> list[str]:
        """Reasons a draft reads as hostile or as spam, or could not be checked."""
        verdict = self.reply_verdict(text)
        return [*verdict.reasons, *verdict.unavailable]

    def reply_verdict(self, text: str) -> Verdict:
        """Whether a draft reads as hostile or as spam, whatever the model meant."""
        reasons: list[str] = []
        unavailable: list[str] = []
        if self.moderator is not None:
            try:
                verdict = self.moderator.moderate(text)
            except ModelError as exc:
                unavailable.append(f"{MODERATION_DOWN} ({exc})")
            else:
                if verdict.flagged:
                    reasons.append(f"moderation: {', '.join(verdict.categories) or 'flagged'}")
        if self.classifier is not None:
            guess = self.classifier.classify(text)
            # replies sit further from the (comment) examples than comments do: ask for a
            # close neighbour as well as a clear vote
            if guess.label in (Label.SPAM,
                               Label.TOXIC) and guess.confidence >= self.min_confidence \
                    and guess.similarity >= self.reply_min_similarity:
                reasons.append(f"tone: reads like {guess.describe()}")
        return Verdict(tuple(reasons), tuple(unavailable))

    @staticmethod
    def _moderated(verdict: Moderation, detail: dict[str, Any]) -> Triage:
        named = ", ".join(verdict.categories) or "flagged"
        if any(c.startswith("self-harm") for c in verdict.categories):
            return Triage(Label.NEEDS_HUMAN, f"moderation: {named}", "moderation", detail)
        return Triage(Label.TOXIC, f"moderation: {named}", "moderation", detail)

    def _benign(self, text: str, guess: Guess | None, detail: dict[str, Any]) -> Triage:
        shape = by_shape(text)
        benign = guess is not None and guess.label not in HARMFUL \
            and guess.confidence >= self.min_benign_confidence
        if guess is None or not benign:
            return Triage(shape, f"{shape} comment", "shape", detail)
        # a question stays a question unless it asks for something to be made, or the examples
        # are clear it is something else ("Who's watching in 2026?")
        if shape == "question" and guess.label != Label.REQUEST \
                and guess.confidence < self.sure_benign:
            return Triage(Label.QUESTION, "question comment", "shape", detail)
        return Triage(guess.label, f"like labelled {guess.describe()}", "classifier", detail)
