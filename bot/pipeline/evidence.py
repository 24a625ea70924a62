"""Positive evidence that a draft is right, which auto mode needs before it posts on its own.

Four checks, each with a score recorded in the draft's audit detail (obedience is in
`bot.pipeline.obedience`):

- relevance: the reply is closer, in the bundled embedding space, to this comment than to most
  other comments (a reply that would fit any comment fits this one no better than the rest);
- grounding: every name and product in the reply (a word no English dictionary has is a name
  too) occurs in the creator's notes or persona, and every number there or in the comment; an
  answer to a question must draw on the notes in each of its clauses; a reply with no factual
  claim is natural only for praise, feedback and requests, and must read as a thank-you (the
  thanks probe); and no reply may read like a claim about health, safety or politics (the
  sensitive probe; both in `bot.pipeline.probes`);
- voice: length, language, signature, shape and emoji like the creator's own replies, close
  to one of them in the embedding space, and in no character's voice (`bot.pipeline.probes`:
  a line in the same space, on the reply's vector);
- respect: the reply speaks of the viewer and of other people as the creator's replies do
  (another such line).

The thresholds are fitted on the development part of `bench/decisions` (`bench/decisions.py`).
One embedding call a draft (comment and reply together; the comment is usually remembered from
triage). The references are the bundled triage examples, whose vectors ship with replybot; the
creator's replies are embedded once and kept in the data dir.
"""

from __future__ import annotations

import bisect
import itertools
import re
import threading
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

import numpy as np

from bot.packages import package_dir
from bot.pipeline import assurances, quantities, selfclaims
from bot.pipeline.classify import ExampleVectors, kept_vectors, unit_rows
from bot.pipeline.decide import Check
from bot.pipeline.lexicon import COMMON
from bot.pipeline.probes import NUMBERED, Probe, reading, respect
from knowledge.files import kept

Embed = Callable[[Sequence[str]], np.ndarray]
#: the English words of a text's Chinese ones (a bilingual dictionary's senses); none for a
#: text with no Chinese
Glosses = Callable[[str], frozenset[str]]


def no_glosses(text: str) -> frozenset[str]:
    return frozenset()


def english_glosses(lexicon: Callable[[], Any]) -> Glosses:
    """The glosses of a `knowledge.crosslingual.Lexicon`, opened at the first Chinese text
    (replies and notes in one language never need it) and remembered per text."""

    @lru_cache(maxsize=1024)
    def glosses(text: str) -> frozenset[str]:
        if not CJK.search(text):
            return frozenset()
        senses = lexicon().to_english(text)
        return frozenset(w for word in senses for sense in word for w in LATIN.findall(sense))

    return glosses

#: fitted on the development part of bench/decisions (see bench/decisions.py --fit)
MIN_SIMILARITY = 0.79
MIN_RANK = 0.50
MIN_NOTE_SUPPORT = 0.30
MIN_CLAUSE_SUPPORT = 0.50
MAX_ILL_TONE = -0.4
MIN_VOICE_SIMILARITY = 0.78
#: where a reply's sentences end, in English or Chinese
SENTENCE_END = re.compile(r"[.!?;。！？；\n]+")
#: how near a terse answer must be when its facts are those the notes found for the comment
MIN_SPECIFIC_SIMILARITY = 0.72
#: words in a sentence that may state no fact in such an answer ("Hope that helps!")
SHORT_SENTENCE = 3
#: classes whose reply may hold no fact at all ("Thank you!", "Good idea, noted!")
NO_FACT_NEEDED = ("praise", "feedback", "request")

#: a number on its own ("18 g", "1:2", "93°C"), not the digits of a name ("MK4", "C40")
NUMBER = re.compile(r"(?<![A-Za-z0-9.,:])\d+(?:[.,:]\d+)*")
NAME = re.compile(r"(?<![.!?。！？]\s)(?<!^)\b[A-Z][\w-]*[a-z0-9][\w-]*\b|\b[A-Z]{2,}\d*\b"
                  r"|\b[A-Z][a-z]+[A-Z]\w*\b"  # a name mid-sentence, in capitals, or CamelCase
                  r"|\b[a-z]+\d+[a-z\d]*\b")  # or a model number in lower case ("x100v")
WORD = re.compile(r"[a-z]{4,}|[\u3400-\u9fff]{2}")
LATIN = re.compile(r"[a-z]{4,}")
#: a Latin word long enough to be a name when no dictionary has it (shorter ones are slang:
#: "lol", "tbh", "sooo")
COINED = re.compile(r"(?<![\w@./'’-])[A-Za-z][A-Za-z_]{4,}(?![\w@/'’-])")
CJK = re.compile(r"[\u3400-\u9fff]")
#: capitalised words that are no claim of fact
PLAIN = {"Thank", "Thanks", "Happy", "Love", "Yes", "Sure", "Welcome", "Good", "Great", "Hope",
         "Enjoy", "Congratulations", "Wow", "Glad", "Cheers", "Fair", "Friday", "Lina"}
STOP = {"that", "this", "with", "your", "from", "have", "just", "what", "when", "will", "about",
        "there", "they", "them", "then", "than", "like", "more", "much", "very", "really",
        "thanks", "thank", "make", "sure", "into", "also", "some", "it's", "don't"}

@dataclass
class Persona:
    """The creator's side: who they are, how they sign and what they have written."""

    description: str
    signature: str = ""
    replies: Sequence[str] = ()
    name: str = ""


class PositiveChecks:
    """Relevance, grounding, voice and respect for one draft at a time."""

    def __init__(self, embed: Embed, persona: Persona, references: Sequence[str],
                 store: ExampleVectors | None = None, glosses: Glosses = no_glosses,
                 respect: Probe | None = None, character: Probe | None = None,
                 character_words: Probe | None = None, thanks: Probe | None = None,
                 sensitive: Probe | None = None) -> None:
        self.embed = embed
        self.respect_probe = respect
        self.thanks_probe = thanks
        self.sensitive_probe = sensitive
        #: the character probes, for a reply that states a number and for one that states none
        self.character_probes = {"character": character, "character_words": character_words}
        self.glosses = glosses
        self._preparing = threading.Lock()
        self._prepared: threading.Thread | None = None
        self.persona = persona
        self.references = list(references)
        self.replies = [self.body(r) for r in persona.replies if self.body(r)]
        #: the emoji the creator writes with
        self.emoji = set(emoji(" ".join([persona.description, persona.signature,
                                         *persona.replies])))
        self.store = store

    def prepare(self) -> None:
        """Embed (or read the kept vectors of) the references and the creator's replies."""
        self._vectors(self.references, "triage")
        self._vectors(self.replies, "voice")

    def prepare_in_background(self) -> None:
        """`prepare` on a thread, once: at a first start the creator's replies are embedded
        while the first draft is written (the engine runs beside Python's work) instead of
        after it."""
        with self._preparing:
            if self._prepared is not None:
                return
            self._prepared = threading.Thread(target=self.prepare, name="checks-prepare",
                                              daemon=True)
        self._prepared.start()

    def body(self, text: str) -> str:
        sig = self.persona.signature
        return (text.replace(sig, "") if sig else text).strip()

    def __call__(self, comment: str, reply: str, label: str, notes: Sequence[str],
                 found: Sequence[str] = (), asked: Sequence[str] = ()) -> tuple[Check, ...]:
        body = self.body(reply)
        vectors = unit_rows(self.embed([comment, body]))
        grounded = grounding(body, comment, label, notes, self.persona, found, self.glosses,
                             asked)
        return (self.relevance(vectors[0], vectors[1], _specific(body, notes)),
                self._sensitive(self._thanks(grounded, vectors[1], label), vectors[1]),
                self.voice(comment, reply, vectors[1], label),
                respect(self.respect_probe, vectors[1]))

    def relevance(self, comment: np.ndarray, reply: np.ndarray,
                  specific: Sequence[str] = ()) -> Check:
        """Close to this comment and closer to it than to most others; or, for a terse answer
        ("32 clicks. Coarse."), stating facts that only the notes found for this comment hold
        and near enough to it."""
        similarity = float(comment @ reply)
        others = self._vectors(self.references, "triage") @ reply
        rank = float(np.mean(others < similarity)) if len(others) else 1.0
        ok = similarity >= MIN_SIMILARITY and rank >= MIN_RANK
        why = (f"similarity {similarity:.3f}; closer to this comment than to {rank:.0%} of "
               f"{len(others)} other comments")
        if not ok and specific and similarity >= MIN_SPECIFIC_SIMILARITY:
            return Check("relevance", True, rank, f"{why}; states what the notes found for this "
                         f"comment hold ({', '.join(specific[:3])})")
        return Check("relevance", ok, rank, why)

    def voice(self, comment: str, reply: str, vector: np.ndarray, label: str = "") -> Check:
        body = self.body(reply)
        faults = shape_faults(comment, reply, body, self.persona.signature, self._longest())
        if self.replies:  # what the creator writes with, where there is anything to go by
            foreign = [e for e in dict.fromkeys(emoji(body)) if e not in self.emoji]
            if foreign:
                faults.append(f"emoji the creator does not use ({''.join(foreign[:5])})")
        nearest = (float(np.max(self._vectors(self.replies, "voice") @ vector)) if self.replies
                   else 1.0)
        if nearest < MIN_VOICE_SIMILARITY:
            faults.append(f"unlike the creator's replies ({nearest:.3f})")
        character = self._character(body, vector, label)
        if character:
            faults.append(character)
        why = "; ".join(faults) or f"like the creator's replies ({nearest:.3f})"
        return Check("voice", not faults, nearest, why)

    def _character(self, body: str, vector: np.ndarray, label: str) -> str:
        """The fault of a reply in a character's voice, or ""; unmeasured is a fault too. A
        reply to praise or thanks that states no number is read by the probe of such replies;
        a terse answer with no number ("Coarse, like sea salt.") is an answer all the same."""
        short = label in NO_FACT_NEEDED and not NUMBERED.search(body)
        name = "character_words" if short else "character"
        read = reading(self.character_probes[name], name, vector)
        if not read.measured:
            return f"character {read.figures}"
        return "" if read.holds else f"in a character's voice, not the creator's {read.figures}"

    def _thanks(self, grounded: Check, vector: np.ndarray, label: str) -> Check:
        """A reply to praise, feedback or a request needs no facts: the thanks probe reads
        every one, numbers or not (a number the comment gave is the viewer's to echo, and no
        door for a claim: "Thanks for the 5 stars! Vaccines are dangerous."), and holds what a
        thank-you does not say ("谢谢你！咖啡确实可以防癌。", "Thanks! Taiwan should be
        independent."), copied from the comment or not; unmeasured, it is held too."""
        if label not in NO_FACT_NEEDED:
            return grounded
        return _probed(grounded, self.thanks_probe, "thanks", vector, "says something a "
                       "thank-you does not, with nothing of the creator's behind it",
                       "reads as a thank-you")

    def _sensitive(self, grounded: Check, vector: np.ndarray) -> Check:
        """Health, safety and politics wait for a person: the sensitive probe reads every
        reply that grounding let through, answer or thanks, and holds one that reads like the
        replies that state such a claim in ordinary words, after the notes' own or alone ("A
        double shot clears your head in 10 minutes. You'll be good behind the wheel.", "少量
        没关系，咖啡会把酒劲中和掉"); unmeasured, it is held too."""
        return _probed(grounded, self.sensitive_probe, "sensitive", vector, "reads like a "
                       "claim about health, safety or politics, for a person to answer",
                       "no claim about health, safety or politics")

    def _longest(self) -> int:
        return max((len(r) for r in self.replies), default=200)

    def _vectors(self, texts: Sequence[str], kind: str) -> np.ndarray:
        if not texts:
            return np.zeros((0, 1), dtype=np.float32)
        return kept_vectors(texts, self.embed, self.store.of_kind(kind) if self.store else None)


def _probed(grounded: Check, probe: Probe | None, name: str, vector: np.ndarray, held: str,
            passed: str) -> Check:
    """Grounding as it was, read further by the `name` probe: a grounded reply above its line
    fails, saying `held`, and one it could not read fails, saying why; below the line the
    reply keeps grounding's score, and its reason gains `passed` and the probe's figures."""
    if not grounded.ok:
        return grounded
    read = reading(probe, name, vector)
    if not read.measured:
        return Check("grounding", False, 0.0, f"{name} {read.figures}")
    if not read.holds:
        return Check("grounding", False, 0.0, f"{held} {read.figures}")
    return Check("grounding", True, grounded.score, f"{grounded.why}; {passed} {read.figures}")


def _specific(body: str, notes: Sequence[str]) -> list[str]:
    """The reply's facts (numbers, names, quantities), when it states some and the notes found
    for the comment hold every one: evidence that it answers this comment; [] otherwise."""
    named, mine = claims(body), quantities.of(body)
    facts = list(dict.fromkeys([*named, *(str(q) for q in mine)]))
    # every sentence states one of them, or is a short closer ("Coarse.", "Good luck!"): a
    # true number does not carry a sentence of something else ("32 clicks. People who ask
    # this are idiots.")
    for sentence in (part.strip() for part in SENTENCE_END.split(body)):
        if len(re.findall(r"\w+", sentence)) > SHORT_SENTENCE and not claims(sentence) \
                and not quantities.of(sentence):
            return []
    known = " ".join(notes).lower()
    held = frozenset().union(*(quantities.backed(note) for note in notes))
    if not notes or not facts or not mine <= held or not all(
            _mentions(known, fact.lower()) for fact in named):
        return []
    return facts


def emoji(text: str) -> list[str]:
    """The pictographs and symbols of the text ("🤡", "👎", "🇮"), not signs such as "°C"."""
    return [c for c in text if ord(c) >= 0x2000 and unicodedata.category(c) == "So"]


def shape_faults(comment: str, reply: str, body: str, signature: str, longest: int) -> list[str]:
    """What in the reply's form the creator would not write."""
    faults = []
    if len(body) > max(2 * longest, 280):
        faults.append(f"{len(body)} characters, longer than the creator writes")
    if bool(CJK.search(comment)) != bool(CJK.search(body)) and len(body) > 3:
        faults.append("not in the comment's language")
    if signature and not reply.rstrip().endswith(signature):
        faults.append("unsigned")
    if len([line for line in body.splitlines() if line.strip()]) > 2:
        faults.append("several lines")
    letters = [c for c in body if c.isascii() and c.isalpha()]
    if len(letters) >= 8 and sum(c.isupper() for c in letters) / len(letters) > 0.5:
        faults.append("shouted in capitals")
    if re.search(r"```|^\s*[{\[]|[{}<>]", body):
        faults.append("code or markup")
    if len(TITLE_CASED.findall(body)) >= 3:
        faults.append("small words capitalised mid-sentence")
    ill = _ill_of_people(body)
    if ill:
        faults.append(f"speaks ill of people ({ill!r})")
    return faults


#: words for people, other than the viewer and pronouns: a sentence with one of them judges
#: someone ("people who skip the bloom…", "instant coffee drinkers are…"); "you", "they" and
#: "those" are as often kindness or coffee ("sorry your grinder broke", "those sour shots")
PEOPLE = re.compile(r"\b(?:people|persons?|guys|folks|anyone|everyone|he|she|users?|"
                    r"drinkers?|fans|viewers|creators?|baristas?|youtubers?|influencers?|"
                    r"snobs?|amateurs?|beginners|newbies?|kids|men|women|crowd)\b",
                    re.IGNORECASE)
#: how hostile a sentence about people may sound (VADER's compound score): none of the
#: development replies' sentences about people went below -0.3; every attack's did
MAX_PEOPLE_TONE = -0.3


def _ill_of_people(body: str) -> str:
    """The first sentence of the reply that is about people and hostile in tone ("people who
    skip the bloom are lazy slobs"), however many of its words the creator's notes have."""
    for sentence in SENTENCE_END.split(body):
        if PEOPLE.search(sentence) and _tone(sentence) <= MAX_PEOPLE_TONE:
            return sentence.strip()[:60]
    return ""


#: a small word capitalised after another word: "24 Clicks On My Comandante" is Title Case,
#: where a gear list or a video's title ("Easy Fridge Cold Brew") has no such word
TITLE_CASED = re.compile(r"(?<=[\w,;)] )(?:On|My|A|An|The|And|Of|With|Like|About|For|To|In|At|Is|"
                         r"It|Your|You|Or|But|From|By|As)\b")


def grounding(body: str, comment: str, label: str, notes: Sequence[str], persona: Persona,
              found: Sequence[str] = (), glosses: Glosses = no_glosses,
              asked: Sequence[str] = ()) -> Check:
    """Every name in the reply occurs in the notes or persona, or in a passage of the creator's
    that backs the reply, and every number there or in the comment; and an answer to a question
    draws on the notes retrieved for it, or states facts a backing passage holds.

    `found` are passages the reply's own words found, with no gate: one backs the reply only
    when it holds two of the reply's facts, or one and a share of its words, so a number that
    occurs somewhere in the material ("14" hours of cold brew) does not back any sentence that
    uses it ("14 dollars, free shipping"); a quantity, when a line of it states the quantity
    about the same thing.

    `asked` are the passages the comment's own words find, with no gate. When the gate gave a
    question no notes, an answer is still grounded if one of them holds half the words of every
    sentence it says (`_said_in`): the creator wrote it about what was asked, though the
    search found it too weak to offer the model. The comment chose that passage, so a share of
    the whole reply is not enough: one copied sentence would carry any other."""
    stated = claims(body)
    given = claims(comment)
    # a name the comment gave counts wherever the reply puts it, first word or not, unless it
    # is an English word the reply writes in lower case ("FIRST HEART EVER": "your first heart")
    stated += [n for n in dict.fromkeys(given) if not NUMBER.fullmatch(n)
               and n.lower() not in {c.lower() for c in stated}
               and any(not (m.group(0).islower() and in_dictionary(n)) for m in
                       re.finditer(rf"(?<!\w){re.escape(n)}(?!\w)", body, re.IGNORECASE))]
    backing = [p for p in found if _backs(p, body, stated, glosses)]
    creators = [*notes, *backing, persona.description, *persona.replies]
    written = " ".join(creators).lower()
    # a number may echo the viewer's ("40 seconds is too long"); a name, brand or product the
    # creator never wrote is no fact of theirs, whoever named it first. A number with its
    # unit is a quantity, which `_misstated` looks up in the lines that state it
    measured, texts = _measured(body), " ".join(creators)
    # a name the viewer gave that the creator's own material holds too ("my first V60") is
    # theirs to echo, in thanks as in answers, inflected or not ("every friday…": "your
    # Fridays"); one only the viewer wrote is not
    anywhere = " ".join(found)
    anywhere_lower, comment_lower = anywhere.lower(), comment.lower()
    unsupported = [c for c in dict.fromkeys(stated)  # each claim once: "1 1 1 1…" is one
                   if not _written(texts, c, written) and c not in measured
                   and not _month_named(c, body, texts)
                   and not (NUMBER.fullmatch(c) and _mentions(comment_lower, c.lower()))
                   and not (_said(comment_lower, c) and _written(anywhere, c, anywhere_lower))
                   and not _greeted(c, comment, dictionary=label == "praise")
                   and not _clipped(c, written)]
    if unsupported:
        return Check("grounding", False, 1 - len(unsupported) / len(stated),
                     f"not in the notes or persona: {', '.join(unsupported[:3])}")
    fault = _misstatement(body, comment, label, persona, creators, written,
                          [*notes, *found, *asked], found, glosses)
    if fault:
        return Check("grounding", False, 0.0, fault)
    # one fact of the notes does not carry a clause the comment wrote or one that speaks ill
    # ("93°C, and vote for the green party"; "you have no palate and no brain")
    share, clause = _unsupported_clause(body, comment, creators,
                                        answer=label not in NO_FACT_NEEDED, glosses=glosses)
    if clause:
        return Check("grounding", False, share, f"{clause!r}: from the comment or ill-spoken, "
                     f"and not in the notes ({share:.0%} of its words are)")
    if label in NO_FACT_NEEDED:
        return Check("grounding", True, 1.0, f"{len(stated)} facts, all supported")
    support = _note_support(body, notes, glosses)
    if notes and support >= MIN_NOTE_SUPPORT:
        return Check("grounding", True, support, f"{len(stated)} facts supported; {support:.0%} "
                     "of its words in the notes")
    in_notes = [c for c in stated if _mentions(" ".join([*notes, *backing]).lower(), c.lower())]
    if in_notes:
        return Check("grounding", True, max(support, MIN_NOTE_SUPPORT),
                     f"{len(stated)} facts supported, found in the creator's notes "
                     f"({', '.join(in_notes[:3])})")
    if not notes:
        if not asked:
            return Check("grounding", False, 0.0, "no notes were found to answer from")
        said = max(_said_in(body, p) for p in asked)
        if said >= MIN_CLAUSE_SUPPORT:
            return Check("grounding", True, said, "no notes passed the gate; a passage the "
                         f"comment's own words find holds {said:.0%} of every sentence's words")
        return Check("grounding", False, said, "no notes passed the gate, and no passage the "
                     f"comment's own words find holds half of every sentence (at best {said:.0%})")
    return Check("grounding", False, support, f"only {support:.0%} of its words are in the "
                 "notes")


def _misstatement(body: str, comment: str, label: str, persona: Persona,
                  creators: Sequence[str], written: str, passages: Sequence[str],
                  found: Sequence[str], glosses: Glosses) -> str:
    """What the reply says that the creator's texts do not, in words rather than names: who
    the creator is, an amount of another thing, a product they never name, the opposite of
    what they say, a yes to what they never say; "" when it says none of these."""
    who = _unbacked_self_claim(body, persona, passages)
    if who:
        return f"{who!r}: says who the creator is, which the persona and notes never say"
    vouched = _unbacked_assurance(body, comment, [persona.description, *persona.replies,
                                                  *passages])
    if vouched:
        return f"{vouched!r}: tells the viewer it is fine, and no sentence of the creator's says so"
    misstated = _misstated(body, comment, label, creators, found, glosses)
    if misstated:
        return misstated
    foreign = _recommended_elsewhere(body, written)
    if foreign:
        return f"recommends what the notes never name: {foreign!r}"
    denied = _contradicted(body, creators)
    if denied:
        return f"{denied!r}: the creator's texts say the opposite"
    confirmed = (_confirmed(body, comment, creators, glosses) if label not in NO_FACT_NEEDED
                 else "")
    if confirmed:
        return f"says yes to the comment's {confirmed!r}, which the creator's texts never use"
    return ""


def _unbacked_self_claim(body: str, persona: Persona, passages: Sequence[str]) -> str:
    """The first clause of the reply that says who the creator is (`selfclaims`) and that no
    sentence of the persona's description that denies nothing, nor any sentence in which the
    creator's texts say who they are, backs with half its words, or "". A passage that only
    mentions the word backs nothing: "ask your doctor" is no "as a doctor", and neither "I'm
    not a doctor" nor "a home cook, not a trained chef" says what the creator is."""
    said = selfclaims.claims(body, persona.name)
    if not said:
        return ""
    described = [s for s in SENTENCE_END.split(persona.description) if s.strip()
                 and not selfclaims.DENIED.search(s) and not selfclaims.DENIED_ZH.search(s)]
    theirs = [s for text in [*persona.replies, *passages] for s in SENTENCE_END.split(text)
              if s.strip() and selfclaims.claims(s, persona.name)]
    backing = [_topic(s) for s in [*described, *theirs]]
    # the creator's name says whom the claim is of, not what it says of them
    names = _topic(persona.name.split()[0]) if persona.name.strip() else frozenset()
    for claim in said:
        words = _topic(claim) - names
        if words and not _one_holds(words, backing, len(words) * MIN_CLAUSE_SUPPORT):
            return claim[:60]
    return ""


def _unbacked_assurance(body: str, comment: str, texts: Sequence[str]) -> str:
    """The first sentence of the reply that vouches for something (`assurances`: "it's fine",
    "放心", "I agree") where no sentence of the creator's texts holds half, and two at least, of
    what it is said of (its other words and numbers; where those are fewer than two, the
    comment's too), or "". So "Anything between 2:45 and 3:15 is fine" passes where the recipe
    gives 2:45 to 3:15, "a drop for a big dog is fine" waits, and so does "I agree, it's time
    for him to go" where a note speaks of brew time."""
    vouched = [(s, said) for s in SENTENCE_END.split(body) if (said := assurances.assurances(s))]
    if not vouched:
        return ""
    theirs = [_said_of(s) for text in texts for s in SENTENCE_END.split(text) if s.strip()]
    for sentence, said in vouched:
        vouching = set().union(*map(_said_of, said))
        about = _said_of(sentence) - vouching
        if len(about) < ASSURED_WORDS:  # a bare "没关系！" vouches for what the comment said
            about |= _said_of(comment)
        if not _one_holds(about, theirs, max(ASSURED_WORDS, len(about) * MIN_CLAUSE_SUPPORT)):
            return sentence.strip()[:60]
    return ""


#: the fewest words of what an assurance is said of that one sentence of the creator's must hold
ASSURED_WORDS = 2


def _one_holds(words: frozenset[str], lines: Sequence[frozenset[str]], needed: float) -> bool:
    """Whether one line (a sentence's words) holds `needed` of the words."""
    return any(len(words & line) >= needed for line in lines)


def _said_of(text: str) -> frozenset[str]:
    """What a sentence is about: its topic's words and its numbers as written."""
    return _topic(text) | frozenset(NUMBER.findall(text))


MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
          "september", "october", "november", "december")


def _written(texts: str, claim: str, lower: str | None = None) -> bool:
    """Whether the creator's texts hold the claim, in any case, or hold it as a name in the
    singular: "Fridays" where they write "Friday", "V60s"; not "Brewer" for "brew", nor
    "Kettles" for "kettle". `lower` is the texts in lower case, where the caller has it."""
    if _mentions(texts.lower() if lower is None else lower, claim.lower()):
        return True
    return any(len(one) >= 3 and not one.islower()
               and re.search(rf"(?<![0-9A-Za-z]){re.escape(one)}(?![0-9A-Za-z])", texts)
               for one in _singular(claim))


def _clipped(claim: str, written: str) -> bool:
    """A short form of a word of the creator's (`written`, in lower case): "collabs" where
    they write "collaboration". Only the short forms of `CLIPPED`, written in lower case: a
    prefix rule would pass any brand or app named after the start of a word of theirs
    ("caffe" of "caffeine", "payme" of "payment", "insta" of "instant")."""
    short = claim[:-1] if claim.endswith("s") else claim
    return claim.islower() and any(re.search(rf"(?<![a-z]){full}", written)
                                   for full in CLIPPED.get(short, ()))


#: short forms a dictionary lacks, of five letters or more (a claim's least), and the starts of
#: the words they stand for
CLIPPED = {"collab": ("collaborat",), "convo": ("conversation",), "approx": ("approximat",)}


def _said(comment: str, name: str) -> bool:
    """Whether the viewer wrote the name (`comment` in lower case), in the singular or not."""
    return any(_mentions(comment, n.lower()) for n in [name, *_singular(name)] if n)


def _singular(name: str) -> list[str]:
    """A name without its plural or possessive ending ("Fridays", "V60's")."""
    return [name[:-len(end)] for end in ("'s", "’s", "es", "s") if name.endswith(end)]


def _month_named(number: str, body: str, texts: str) -> bool:
    """A Chinese month ("3 月", "10月") whose English name, capitalised as a name, the
    creator's texts use: "2021 年 3 月" is "March 2021" ("may" the verb is no May)."""
    if len(number) > 2 or not number.isdigit() or not 1 <= int(number) <= 12:
        return False
    name = MONTHS[int(number) - 1].capitalize()
    return re.search(rf"(?<!\d){number}\s*月", body) is not None \
        and re.search(rf"\b{name}\b", texts) is not None


def _measured(body: str) -> set[str]:
    """The numbers of the reply that only ever stand in a quantity ("35" of "35 seconds")."""
    spans = sorted((start, end) for _, start, end in quantities.stated(body))
    starts = [start for start, _ in spans]
    reach = list(itertools.accumulate((end for _, end in spans), max))  # of the spans so far
    inside: dict[str, bool] = {}
    for match in NUMBER.finditer(body):
        last = bisect.bisect_right(starts, match.start()) - 1  # spans starting at or before it
        within = last >= 0 and reach[last] > match.start()
        inside[match.group(0)] = inside.get(match.group(0), True) and within
    return {number for number, always in inside.items() if always}


def _misstated(body: str, comment: str, label: str, creators: Sequence[str],
               found: Sequence[str], glosses: Glosses = no_glosses) -> str:
    """Why a quantity of the reply is not the creator's, or "": none of their texts states it
    with its unit ("5 weeks" where the notes say "5 days"); or it is the comment's ("95°C for
    the milk, right?") or not in the notes retrieved for the comment, and no line of theirs
    states it about the same thing (`_stating`). Thanks may echo the viewer's own numbers, and
    an answer may set them against the creator's."""
    proposed = quantities.of(comment)
    stated = quantities.stated(body)
    own = frozenset().union(*(quantities.backed(text) for text in creators))
    lines = list(quantities.lines([*creators, *found]))
    unstated, elsewhere = [], []
    # read once, not once a quantity: a reply may state thousands ("%41%41…")
    every = frozenset(q for q, _, _ in stated)
    mine = quantities.of(body) - proposed
    cuts = _cuts(body, CLAUSE)
    sentences = _cuts(body, SENTENCE_END)
    phrases = _cuts(body, PHRASE)
    comment_topic = _topic(comment, glosses)
    said = quantities.statements([*creators, *found])
    rivalled: list[str] = []
    rivals: dict[tuple[quantities.Quantity, tuple[str, str]], str] = {}
    units: dict[str, _Amounts] = {}
    spans: dict[tuple[int, int], set[quantities.Quantity]] = {}  # a range's ends, together
    for quantity, start, end in stated:
        spans.setdefault((start, end), set()).add(quantity)
    for quantity, start, end in stated:
        if quantity in proposed and label in NO_FACT_NEEDED:
            continue
        clause = _topic(_clause(body, start, cuts), glosses)
        if _stating(quantity, clause | comment_topic, mine, lines, glosses):
            # the viewer's own number may be set right ("40 seconds is too long for that")
            around = (_clause(body, start, phrases), _clause(body, start, sentences))
            if quantity not in proposed and quantities.as_stated(quantity, around[1]):
                if quantity.unit not in units:
                    units[quantity.unit] = _Amounts(said, quantity.unit)
                if (quantity, around) not in rivals:  # "93°C, 93°C, 93°C…" is read once
                    rivals[quantity, around] = _rival(quantity, around, units[quantity.unit],
                                                      every, glosses, frozenset(spans[start, end]))
                rivalled.append(rivals[quantity, around])
            continue
        # the viewer's number set against the creator's own in the same unit is a correction
        # ("40 seconds is too long: aim for 27–32 seconds"), not a confirmation
        others = every - proposed - {quantity}
        if quantity in proposed and any(q.unit == quantity.unit and q in own for q in others):
            continue
        if not any(quantity in quantities.backed(line) for line, _ in lines):
            unstated.append(str(quantity))
        else:
            whose = " (the comment's)" if quantity in proposed else ""
            elsewhere.append(f"{quantity}{whose}")
    why = list(dict.fromkeys(r for r in rivalled if r))
    if unstated:
        why.append(f"no text of the creator's states {', '.join(dict.fromkeys(unstated))}")
    if elsewhere:
        why.append(f"the creator states {', '.join(dict.fromkeys(elsewhere))} only about "
                   "something else")
    return "; ".join(why)


def _stating(quantity: quantities.Quantity, topic: frozenset[str],
             mine: frozenset[quantities.Quantity] | set[quantities.Quantity],
             lines: Sequence[tuple[str, str]], glosses: Glosses = no_glosses) -> bool:
    """Whether one of the creator's `lines` (each with its context, from `quantities.lines`)
    states the reply's quantity about the same thing: the line, the lines around it or its
    heading share a topic word (`topic`: the reply's clause's and the comment's), or the line
    states another of the reply's own quantities (`mine`, the comment's left out: "10–14 days"
    is "养豆 10–14 天")."""
    others = mine - {quantity}
    return any(quantity in quantities.backed(line)
               and (others & quantities.backed(line) or topic & _topic(context, glosses))
               for line, context in lines)


class _Amounts:
    """The creator's statements of one unit, and for each word of their clauses the amounts
    it is said of (for `_rival`). Words are read with a comparative's "-er" cut where the
    statements use the plain word ("darker roasts" are "dark roasts"; "water" stays)."""

    def __init__(self, said: Sequence[quantities.Statement], unit: str) -> None:
        self.same = [s for s in said if s.quantity.unit == unit]
        self._read: dict[tuple[str, Glosses | None], frozenset[str]] = {}
        # a statement's line holds its clause: its words and its headings' are all there are
        self.vocabulary: set[str] = set().union(*(_subject(f"{s.line} {s.headings}")
                                                 for s in self.same))
        self.known = self._plain(frozenset(self.vocabulary))
        self.amounts: dict[str, set[str]] = {}
        for s in self.same:
            for word in self.subject(s.part):
                self.amounts.setdefault(word, set()).add(s.quantity.written.lower())

    def subject(self, text: str, glosses: Glosses | None = None) -> frozenset[str]:
        """`_subject`'s words (with `glosses`, `_topic`'s too), comparatives read plain."""
        if (text, glosses) not in self._read:
            self._read[text, glosses] = self._plain(
                _subject(text) | (_topic(text, glosses) if glosses is not None else frozenset()))
        return self._read[text, glosses]

    def _plain(self, words: frozenset[str]) -> frozenset[str]:
        return frozenset(w[:-2] if w.endswith("er") and w[:-2] in self.vocabulary else w
                         for w in words)

    def fit(self, words: frozenset[str], topic: frozenset[str]) -> float:
        """How well a statement's topic fits the reply's words: each counts as much as it tells
        amounts apart ("dark" is in the clause of one amount of °C, "water" of five)."""
        return sum(1 / len(self.amounts.get(w, "-")) for w in words & topic)


@lru_cache(maxsize=8192)
def _subject(text: str) -> frozenset[str]:
    """The words that can say what an amount is of: its topic's, with model names ("V60",
    "C3"), and no Chinese pair with a word of grammar in it ("可以", "大约", "我用")."""
    return frozenset({w for w in _topic(text) if not GRAMMAR.intersection(w)}
                     | set(MODEL.findall(text.lower())))


#: Chinese characters of grammar, pronouns and hedges, which say nothing of what an amount is of
GRAMMAR = frozenset("我你他她它们的了是在和也都就还用可以大约左右这那个很会要能得着过吗呢吧啊把被给"
                    "让从对再才又多少")


def _rival(quantity: quantities.Quantity, around: Sequence[str], unit: _Amounts,
           replied: frozenset[quantities.Quantity], glosses: Glosses = no_glosses,
           together: frozenset[quantities.Quantity] = frozenset()) -> str:
    """Why the creator's texts give another amount for what the reply states `quantity` of,
    or "": the words the reply puts around it are the clause of a statement of another amount,
    and not of this one's ("For dark roasts I go hotter, 94–95°C" where the recipe says "light
    roasts 94–95°C, dark roasts 88–90°C"). `around` are its phrase and its sentence: another
    amount must fit better by the words of each that hold any ("For dark roasts, heat the water
    to 88–90°C": "heat water" is the clause of 93°C, the whole sentence is 88–90°C's).

    The generous reading goes to this amount: its statements count the clauses of their line
    that state nothing of the unit, and their headings at half weight, with the English of
    their Chinese (and of the reply's); another's, its own clause only, which must hold
    `RIVAL_WORDS` of the reply's words and fit better by `MIN_RIVAL_FIT`. Words are weighed in
    one language: with no statement of this amount in the reply's, nothing is held. A range the
    notes state whole is one amount (`together`, its ends): "10–14 days" is not stated by "a
    two-week break". An
    amount the reply states too (`replied`) is no rival, nor one of another size
    (`_comparable`).

    Before the words, the names: the models and brands the reply puts the amount on may be
    another amount's (`_named_rival`)."""
    chinese = CJK.search(around[-1]) is not None
    own = [s for s in unit.same if s.quantity == quantity]
    # a range the notes state whole is that statement's; one made of two statements' ends
    # ("88–95°C" of "88–90°C" and "94–95°C") is read end by end
    whole = [s for s in own if together <= quantities.of(s.part)]
    rivals = [s for s in unit.same if s.quantity != quantity and s.quantity not in replied
              and _comparable(s.quantity, quantity)]
    if not rivals:
        return ""
    named = _named_rival(quantity, around[0], whole or own, rivals)
    if named:
        return named
    own = [s for s in whole or own if (CJK.search(s.part) is not None) == chinese]
    if not own:
        return ""
    held = ""
    for scope in dict.fromkeys(around):
        words = unit.subject(scope) & unit.known
        if not words:
            continue
        better = max(rivals, key=lambda s: unit.fit(words, unit.subject(s.part)))
        broad = unit.subject(scope, glosses) | words
        mine = max(unit.fit(broad, unit.subject(s.line, glosses))
                   + unit.fit(broad, unit.subject(s.headings, glosses)
                              - unit.subject(s.line, glosses)) / 2
                   for s in own)
        theirs = words & unit.subject(better.part)
        # fits are sums of halves and thirds: 5/6 - 1/3 is 0.5 within rounding
        if len(theirs) < RIVAL_WORDS or unit.fit(words, theirs) - mine < MIN_RIVAL_FIT - 1e-9:
            return ""
        about = sorted(theirs, key=lambda w: (len(unit.amounts[w]), w))
        held = held or f"the creator gives {better.quantity} for {' '.join(about[:3])}, not " \
                       f"{quantity}"
    return held


def _named_rival(quantity: quantities.Quantity, phrase: str,
                 own: Sequence[quantities.Statement],
                 rivals: Sequence[quantities.Statement]) -> str:
    """Why another amount is the one the creator gives the models or brands the reply puts
    `quantity` on, or "": the reply's phrase names one that no statement of this amount names
    and the statements of another amount, together, name every one it names ("32 clicks on
    my Comandante C40 MK4 for V60" where the notes say "V60: 24 clicks", "Comandante C40 MK4
    at 24 clicks" and "Cold brew: 32 clicks"). Read in every language ("Comandante 24 格" is
    the Comandante's 24 clicks), in the part of the phrase that states the amount, which a
    bracket, a dash, "vs" or "=" also ends ("32 clicks for cold brew (through a V60 filter)",
    "16 格 = 我 Comandante 的 24 格"); a title or heading states no amount of a model."""
    pieces = [p for p in NAME_PHRASE.split(phrase) if quantity in quantities.of(p)]
    said = frozenset().union(*(_named(p) for p in pieces))
    if not said - frozenset().union(*(_named(s.part) for s in own)):
        return ""
    by_amount: dict[quantities.Quantity, frozenset[str]] = {}
    for s in rivals:
        if not quantities.HEADING.match(s.part):
            by_amount[s.quantity] = by_amount.get(s.quantity, frozenset()) | _named(s.part)
    for other, names in by_amount.items():
        if said <= names:
            return f"the creator gives {other} for {' '.join(sorted(said))}, not {quantity}"
    return ""


#: where the part of a phrase that says what an amount is of ends, for `_named_rival`
NAME_PHRASE = re.compile(r"[()（）\[\]—–=、]|\s-\s|\b(?:vs|versus)\b\.?", re.IGNORECASE)


@lru_cache(maxsize=8192)
def _named(text: str) -> frozenset[str]:
    """The things a text names by model or brand, in lower case: a word with a digit ("V60",
    "C3", "MK4") or one no dictionary has ("Comandante", "Timemore")."""
    return frozenset(w.lower() for w in re.findall(r"(?<![\w-])[A-Za-z][A-Za-z0-9]*[A-Za-z0-9]"
                                                   r"(?![\w-])", text)
                     if any(c.isdigit() for c in w) or (len(w) >= 4 and not in_dictionary(w)))


def _comparable(one: quantities.Quantity, other: quantities.Quantity) -> bool:
    """Amounts of one thing are of one size: "go 1–2°C hotter" is a change, no rival of
    "94–95°C", nor "2 clicks finer" of "24 clicks"."""
    low, high = sorted((abs(one.value), abs(other.value)))
    return high <= COMPARABLE * low


#: how many times another amount may be this one and still be an amount of the same thing
COMPARABLE = 3


#: how many of the reply's words another amount's clause must hold: one is as often a
#: paraphrase ("drop the water to 90–91°C" where the notes "heat water to 93°C" and "lower the
#: temperature to 90–91°C")
RIVAL_WORDS = 2
#: how much better another amount's clause must fit the reply's words: one word of it that
#: is in the clauses of two amounts at most
MIN_RIVAL_FIT = 0.5


def _cuts(text: str, pattern: re.Pattern[str]) -> tuple[list[int], list[int]]:
    """The ends and the starts of `pattern`'s breaks in `text`, in order (for `_clause`)."""
    breaks = list(pattern.finditer(text))
    return [m.end() for m in breaks], [m.start() for m in breaks]


def _clause(text: str, at: int, cuts: tuple[list[int], list[int]]) -> str:
    """The clause of `text` around position `at`; `cuts` are the ends and the starts of the
    text's clause breaks, in order."""
    ends, starts = cuts
    before = bisect.bisect_right(ends, at) - 1  # the last break ending at or before `at`
    after = bisect.bisect_left(starts, at)  # the first break starting at or after it
    return text[ends[before] if before >= 0 else 0:starts[after] if after < len(starts)
                else len(text)]


@lru_cache(maxsize=8192)
def _topic(text: str, glosses: Glosses = no_glosses) -> frozenset[str]:
    """The words that say what a text is about: Latin words of three letters or more, their
    endings cut ("steaming" is "steam"), Chinese character pairs and the English of the Chinese
    words; no units, no commonest words."""
    lower = text.lower()
    words = {_stem(w) for w in [*re.findall(r"[a-z]{3,}", lower), *glosses(text)]
             if w not in STOP and w not in COMMON and w not in quantities.ALIAS}
    pairs = set(_cjk_pairs(lower))
    return frozenset(words | {p for p in pairs if not any(c in quantities.NUMERALS for c in p)})


def _cjk_pairs(text: str) -> list[str]:
    """The overlapping character pairs of each run of Chinese in the text."""
    return [run[i:i + 2] for run in CJK_RUN.findall(text) for i in range(len(run) - 1)]


#: a model's name of letters and digits ("v60", "c3", "mk4")
MODEL = re.compile(r"(?<![a-z0-9])[a-z]{1,3}\d{1,3}(?![a-z0-9])")


def _stem(word: str) -> str:
    return re.sub(r"(?:ing|ed|es|s)$", "", word) if len(word) > 4 else word


CJK_RUN = re.compile(r"[\u3400-\u9fff]{2,}")


#: titles before a name: "Thanks to Mr. Robert" is how a scam thanks its "advisor"
TITLES = ("mr", "mrs", "ms", "miss", "dr", "sir", "madam", "prof", "professor", "agent",
          "coach")
HONORIFIC = re.compile(rf"\b(?:{'|'.join(TITLES)})\.?\s*$", re.IGNORECASE)


def _greeted(name: str, comment: str, dictionary: bool = True) -> bool:
    """A place, a day or a person's name the viewer gave, echoed ("Hello to Berlin!", "since
    you're in London, that's 13:00 there"): a word where the comment puts a place or signs
    ("watching from São Paulo", "I'm in London", "- Priya", "I'm Tomasz"), or, in thanks
    (`dictionary`), any word the dictionary has, written as a name, that the viewer wrote in
    any case or number (the viewer, who chose its case, could have written it as one); never
    with a title before it. A brand the dictionary lacks ("BeanBlast"), a model number or
    "Mr. Robert" is no greeting."""
    # one capital, at the start: "BeanBlast" is written as a brand is
    if not re.fullmatch(r"[A-Z][^\W\d_A-Z]+", name) or name.lower() in TITLES:
        return False
    # an English word the viewer wrote in any case, in the singular or not ("every sunday":
    # "a lovely Sunday"; "every friday": "your Fridays"); any other name as they wrote it
    word = dictionary and re.fullmatch(r"[A-Z][a-z]+", name) is not None and in_dictionary(name)
    forms = [name, *(one for one in _singular(name) if len(one) >= 3)] if word else [name]
    said = [m for form in forms for m in re.finditer(rf"(?<!\w){re.escape(form)}(?!\w)", comment,
                                                     re.IGNORECASE if word else 0)]
    if not said or any(HONORIFIC.search(comment[max(0, m.start() - 12):m.start()])
                       for m in said):
        return False
    if word:
        return True
    return any(name in re.split(r"[ '-]", next(g for g in slot.groups() if g))
               for slot in SLOT.finditer(comment))


#: where a comment names a place or its writer: "from São Paulo", "in Melbourne", "- Priya",
#: "I'm Tomasz", "my name is Ana", and at its start one name signing in: "Priya here", "Priya
#: from Pune here", "Hi Lina, it's Marco!" (not "Buy Zyntrax here", "it's Zyntrax time")
_CAPITALISED = r"((?:[A-Z][^\W\d_]*(?:[ '-](?=[A-Z]))?){1,3})"
_GREETING = r"^[^\w@#]*(?i:hi|hey|hello)\W+(?:[A-Z][^\W\d_]*\W+)?"
SLOT = re.compile(rf"\b(?:from|in|near)\s+{_CAPITALISED}"
                  rf"|(?:^|\s)[-–—~]+\s*{_CAPITALISED}[\s.!❤️☕]*$"
                  rf"|\b(?:I'?m|I am|my name is|this is|call me)\s+{_CAPITALISED}"
                  # ahead, not taken: "from Pune" is a slot of its own
                  rf"|(?:{_GREETING}|^[^\w@#]*)([A-Z][^\W\d_]+)"
                  r"(?=(?:[ \t]+from[ \t]+[A-Z][^\W\d_]*)?[ \t]+here"
                  r"(?:[ \t]*[,.!?—–-]|$|[ \t]+from\b))"
                  rf"|{_GREETING}it'?s\s+([A-Z][^\W\d_]+)"
                  r"(?=\s*[,.!?]|\s*$|\s+(?:from|here)\b)(?!\s*,?\s*not\b)")


#: what a Chinese reply recommends or tells the viewer to buy: Chinese writes names without
#: capitals, so the thing recommended is what follows the verb ("推荐淘宝的必胜壶")
RECOMMENDED = re.compile(r"(?:推荐|入手|去买|可以买|建议买|直接上|直接买|买个|买一个|下载一?个|"
                         r"(?:就|都)喝(?![出到])|上(?=淘宝|京东|拼多多|闲鱼))[\s:：]*"
                         r"([\u4e00-\u9fffA-Za-z0-9][\u4e00-\u9fffA-Za-z0-9 .-]{1,15})")
#: what an English reply tells the viewer to buy or use, or sets above or beside the creator's
#: own things: the words that name it ("grab starbucks beans", "the origami dripper beats")
RECOMMENDED_EN = re.compile(
    r"\b(?:grab|buy|order|pick up|download|install|switch to|go with|go for|shop at|"
    r"subscribe to|head to)\s+((?:(?!(?:and|or|then|if|when|because|instead|for|to|at|so)\b)"
    r"[\w'’-]+[ \t]*){1,6})"
    # what beats the creator's things, or is their favourite: "the origami dripper beats the
    # V60" (the thing compared with is looked at too, in `_recommended_elsewhere`)
    r"|(?<!\S)((?:[^\s,.!?;:—]+[ \t]+){0,7}?[^\s,.!?;:—]+)\s+(?:beats|is better than|"
    r"are better than|is as good as|are as good as|does the same job as)\b"
    r"((?:[ \t]+[^\s,.!?;:—]+){0,5})"
    r"|(?<!\S)((?:[^\s,.!?;:—]+[ \t]+){0,7}?[^\s,.!?;:—]+)\s+(?:is the one to buy|"
    r"is my (?:new )?favou?rite)\b"
    # a name in quotes after "called": "the app called 'daily grind'"
    r"|\bcalled\s+['‘\"“]([^'’\"”\n]{2,30})['’\"”]",
    re.IGNORECASE)
#: words of such a phrase that name nothing: a thing the creator's texts never use is one
#: they never recommended
UNNAMING = {"the", "a", "an", "one", "ones", "some", "any", "your", "my", "our", "their", "his",
            "her", "its", "it", "them", "that", "this", "these", "those", "whatever", "what",
            "just", "really", "very", "more", "less", "much", "first", "next", "now", "again",
            "too", "also", "every", "each", "all", "there", "here", "way", "lot", "bit", "thing",
            "things", "something", "anything", "time", "honestly", "maybe", "always", "best",
            "good", "great", "better", "cheaper", "easier", "same", "new", "own", "used", "cheap",
            "cheapest", "yes", "well", "and", "or", "of", "in", "on", "with", "from", "by",
            "still", "only", "even", "back", "started", "going", "done", "out", "up", "off",
            "i", "you", "we", "me", "us", "is", "are", "was", "be", "get", "got", "feel",
            "sense", "idea", "chance", "free", "touch", "right", "hang"}
#: "不推荐", "不太推荐", "别买": a thing advised against is no promotion ("特别推荐" is one)
ADVISED_AGAINST = re.compile(r"(?:不|别|不太|不建议|不要|别再)$")
ADVISED_AGAINST_EN = re.compile(r"\b(?:don't|do not|never|not|no need to|skip|needn't)"
                                r"(?:\s+(?:need|have)\s+to)?\W*$", re.IGNORECASE)


def _recommended_elsewhere(body: str, written: str) -> str:
    """The first thing a reply recommends that the creator's texts do not name: of Chinese,
    fewer than half of its character pairs, or a Latin word of it, occur in them; of English,
    a word of it that names something ("starbucks", "origami") is not in them."""
    for match in RECOMMENDED_EN.finditer(body):
        thing = (match.group(1) or match.group(2) or match.group(4) or match.group(5)
                 or "").strip()
        compared = match.group(3) or ""
        # "patience beats everything" sets nothing beside the creator's things
        if match.group(2) and compared.strip() and not any(
                _mentions(written, c.lower()) for c in claims(compared)):
            continue
        if ADVISED_AGAINST_EN.search(body[:match.start()][-24:]):
            continue
        for word in re.findall(r"[a-z][a-z'’-]{2,}", thing.lower()):
            if word not in UNNAMING and not _mentions(written, word) \
                    and not _mentions(written, word.rstrip("s")):
                return thing
    for match in RECOMMENDED.finditer(body):
        # the negation stands right before the verb: three characters are all it can be
        if ADVISED_AGAINST.search(body[:match.start()].removesuffix("特别")[-3:]):
            continue
        # what follows the name says nothing of it: "买个 V60 就够了" recommends the V60
        thing = re.split(r"[就吧了也都]", match.group(1).strip())[0].strip() or match.group(1)
        chinese = "".join(CJK.findall(thing))
        pairs = [chinese[i:i + 2] for i in range(len(chinese) - 1)]
        latin = re.findall(r"[a-z0-9]{2,}", thing.lower())
        if sum(p in written for p in pairs) < len(pairs) / 2 \
                or any(not _mentions(written, w) for w in latin):
            return thing
    return ""


def _backs(passage: str, body: str, stated: Sequence[str], glosses: Glosses = no_glosses
           ) -> bool:
    """A passage backs a reply when it holds two of its facts, or one and a share of its
    words."""
    text = passage.lower()
    held = sum(_mentions(text, c.lower()) for c in dict.fromkeys(stated))
    return held >= 2 or (held == 1
                         and _note_support(body, [passage], glosses) >= MIN_NOTE_SUPPORT)


def claims(body: str) -> list[str]:
    """The numbers and names a reply states: the facts it must not have made up. A name is
    a capitalised word mid-sentence, a model number, or a word no English dictionary has,
    however it is written ("beanbaron", "linabrews_vip")."""
    stated = [c for c in [*NUMBER.findall(body), *NAME.findall(body)] if c not in PLAIN]
    seen = {c.lower() for c in stated}
    return stated + [w for w in dict.fromkeys(COINED.findall(body))
                     if w.lower() not in seen and not in_dictionary(w)]


@cache
def _dictionary() -> frozenset[str]:
    """The English words of pyspellchecker's dictionary, kept in the cache folder (reading its
    word counts takes 0.15 s at every start; the kept set, a fifth of that)."""
    source = package_dir("spellchecker")
    words = source / "resources" / "en.json.gz" if source is not None else None
    stamp = words.stat() if words is not None and words.exists() else None
    name = (f"english-words-{stamp.st_size}-{stamp.st_mtime_ns}.marshal" if stamp
            else "english-words.marshal")
    return frozenset(kept(name, _english_words))


def _english_words() -> frozenset[str]:
    from spellchecker import SpellChecker

    return frozenset(SpellChecker(language="en", distance=1).word_frequency.keys())


def in_dictionary(word: str) -> bool:
    """An English word, also stretched ("gooood"), inflected ("grinders") or spelt the British
    way ("favourite", "flavour", "defence")."""
    if "_" in word:
        return False
    words = _dictionary()
    return any(s in words for s in _stems(word.lower()))


def _stems(word: str) -> set[str]:
    """A lower-case word with its stretching, inflection and British spelling undone."""
    stems = {word, re.sub(r"(.)\1{2,}", r"\1\1", word), re.sub(r"(.)\1{2,}", r"\1", word)}
    for _ in range(2):  # "flavoured" -> "flavored" -> "flavor"
        stems |= {re.sub(form, usual, s) for s in stems for form, usual in INFLECTIONS}
    return stems


#: suffixes and British spellings taken back to the dictionary's form
INFLECTIONS = ((r"s$", ""), (r"es$", ""), (r"ed$", ""), (r"ed$", "e"), (r"ing$", ""),
               (r"ing$", "e"), (r"ers?$", ""), (r"ly$", ""), (r"our", "or"),
               (r"is(e|es|ed|ing|ation)$", r"iz\1"), (r"ys(e|ed|ing)$", r"yz\1"),
               (r"tre(s?)$", r"ter\1"), (r"ogue$", "og"), (r"ll(ed|ing|er)$", r"l\1"),
               (r"ence(s?)$", r"ense\1"), (r"ness$", ""))


def _mentions(text: str, claim: str) -> bool:
    """The claim as a whole word or number ("40" is not in "C40"; "18" is in "粉18克"); a number
    may carry its unit ("100" is in "Amaran 100d", "1080" in "1080p")."""
    after = "0-9" if claim[:1].isdigit() else "0-9a-z"
    return re.search(rf"(?<![0-9a-z]){re.escape(claim)}(?![{after}])", text) is not None


#: where a reply's clauses end; not in a number ("50,000", "0.5"), but a colon always ends one:
#: a timer's "1:20", which also reads as a ratio, would take the words after it for its own
CLAUSE = re.compile(r"(?:[!?;:。！？；：，]|[.,](?!\d)|(?<!\d)[.,])+")
#: where a phrase of a reply ends: a clause, or a word that joins two ("I use 94–95°C for
#: light roasts and go cooler for dark roasts")
PHRASE = re.compile(rf"{CLAUSE.pattern}|\s(?:and|but|or|then|while|whereas)\s|而|但|或者|然后")


#: what the creator says they do or do not: "I roast", "I don't roast", "we no longer sell";
#: written as a sentence is ("WHAT I SELL", a heading, is no statement)
DOES = re.compile(r"\b(?:I|[Ww]e)\s+(?:(?:now|also|still|usually|always|just|really|only|"
                  r"actually|mostly|personally)\s+)*(?P<neg>don't\s+|do not\s+|never\s+|"
                  r"no longer\s+|didn't\s+|did not\s+|haven't\s+|have not\s+)?"
                  r"(?:(?:ever|really|even|always)\s+)?(?P<verb>[a-z]{3,})\b")
#: the same in Chinese: 我(不|没|从不)烘豆
ZH_DOES = re.compile(r"我(?:现在|自己|也|都|一直|平时)*(?P<neg>不|没有?|从不|从没|从来不)?"
                     r"(?P<verb>[\u4e00-\u9fff]{2})")
#: words after "I" that say nothing of what the creator does
NOT_DEEDS = {"am", "was", "have", "had", "can", "could", "will", "would", "should", "might",
             "must", "think", "hope", "love", "like", "guess", "know", "mean", "see", "get",
             "feel", "bet", "agree", "recommend", "say", "said", "promise", "wish", "want",
             "推荐", "建议", "觉得", "喜欢", "希望", "知道", "认为", "想要", "也是", "就是"}


#: words between a verb and what it is done to: "roast all my own beans"
NOT_OBJECTS = {"a", "an", "the", "my", "our", "your", "their", "any", "all", "own", "some",
               "this", "that", "these", "those", "it", "them", "more", "much", "many", "every"}


@dataclass(frozen=True)
class Deed:
    """What a sentence says the creator does: the verb's stem, whether it is denied, and the
    first word it is done to ("" in Chinese, where the two characters hold both)."""

    verb: str
    denied: bool
    thing: str


def _deeds(text: str) -> list[Deed]:
    found = []
    plain = _plain_quotes(text)
    for pattern in (DOES, ZH_DOES):
        for match in pattern.finditer(plain):
            verb = match.group("verb").lower()
            if verb in NOT_DEEDS or verb in STOP:
                continue
            after = [w for w in re.findall(r"[a-z]{2,}", plain[match.end():match.end() + 40]
                                           .lower()) if w not in NOT_OBJECTS][:1]
            found.append(Deed(_stem(verb), bool(match.group("neg")),
                              _stem(after[0]) if after and pattern is DOES else ""))
    return found


def _plain_quotes(text: str) -> str:
    """Curly apostrophes straight, and no Markdown emphasis ("我自己**不烘豆**")."""
    return text.replace("’", "'").replace("**", "").replace("__", "")


def _contradicted(body: str, texts: Sequence[str]) -> str:
    """What the reply says the creator does, or does not, where their texts only ever say the
    opposite ("Yes, I roast my own beans" against "I don't roast coffee"), or "". A reply that
    names what the texts deny sets the two apart itself: "I give brewing tips, never medical
    advice" against "I don't give medical advice"."""
    theirs = _deeds(" ".join(texts))
    named = {_stem(w) for w in re.findall(r"[a-z]{2,}", _plain_quotes(body).lower())}
    for said in _deeds(body):
        same = [d for d in theirs if d.verb == said.verb]
        if same and not any(d.denied == said.denied for d in same) \
                and not any(d.thing and d.thing != said.thing and d.thing in named
                            for d in same):
            return said.verb
    return ""


#: a reply that opens by agreeing: "Yes,", "Sure!", "Right,", "没问题", "对"
AGREES = re.compile(r"\s*(?:(?:yes|yeah|yep|yup|sure|right|correct|exactly|absolutely|totally"
                    r"|definitely|of course|indeed|that's right|you're right|no problem)\b"
                    r"|没问题|对的?|是的|可以|当然|没错)", re.IGNORECASE)


def _confirmed(body: str, comment: str, texts: Sequence[str],
               glosses: Glosses = no_glosses) -> str:
    """A word of the comment's that a reply agreeing with it repeats and the creator's texts
    never use, or "": "Can I leave milk out overnight?" answered "Yes, milk left out overnight
    steams fine" agrees to what no note says, however many of its other words the notes
    have."""
    if not AGREES.match(body):
        return ""
    known = _known(texts, glosses)
    theirs = set(LATIN.findall(comment.lower()))
    for word in LATIN.findall(body.lower()):
        if word in theirs and word not in STOP and word not in known \
                and word.rstrip("s") not in known:
            return word
    return ""


def _known(texts: Sequence[str], glosses: Glosses) -> set[str]:
    """The Latin words of the creator's texts, and the English of their Chinese ones."""
    return set(LATIN.findall(" ".join(texts).lower())).union(*map(glosses, texts))


def _unsupported_clause(body: str, comment: str, texts: Sequence[str], answer: bool,
                        glosses: Glosses = no_glosses) -> tuple[float, str]:
    """A clause of the reply, most of whose words the creator's texts do not have, that speaks
    ill ("those people have no palate") or, in an answer, takes them from the comment ("vote
    for the green party" after "which party should we vote for?"), with the share the texts
    have; (1.0, "") when there is none. A friendly clause of the reply's own ("Hope that
    helps!") is neither, and thanks may echo the viewer's words."""
    known = _known(texts, glosses)
    theirs = set(LATIN.findall(comment.lower()))
    for clause in CLAUSE.split(body):
        words = [w for w in LATIN.findall(clause.lower()) if w not in STOP]
        if len(words) < 3:
            continue
        # whole words, a plural as its singular ("lick" is not in "clicks")
        words = [w if w in known or w.rstrip("s") not in known else w.rstrip("s") for w in words]
        own = sum(w in known for w in words)
        if own / len(words) >= MIN_CLAUSE_SUPPORT:
            continue
        borrowed = sum(w in theirs and w not in known for w in words)
        if (answer and borrowed >= 2 and borrowed > own) or _tone(clause) <= MAX_ILL_TONE:
            return own / len(words), clause.strip()[:60]
    return 1.0, ""


@cache
def _sentiment() -> Any:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


#: words VADER reads at once: its time grows with the square of a clause's length, so a long
#: clause is read in overlapping windows and its tone is its most hostile window's
TONE_WINDOW = 40


def _tone(clause: str) -> float:
    """From -1 (hostile) to 1 (warm): VADER's compound score of an English clause."""
    words = clause.split()
    if len(words) <= TONE_WINDOW:
        return float(_sentiment().polarity_scores(clause)["compound"])
    step = TONE_WINDOW // 2
    return min(float(_sentiment().polarity_scores(" ".join(words[i:i + TONE_WINDOW]))["compound"])
               for i in range(0, len(words) - step, step))


def _said_in(body: str, passage: str) -> float:
    """The least share of a sentence's words that the passage holds, over the reply's
    sentences of more than `SHORT_SENTENCE` words; 0.0 when it has none. Words are compared
    as written, in the reply's language (no dictionary senses), and Chinese as overlapping
    character pairs, so a pair or two common to any text cannot carry a sentence."""
    known = passage.lower()
    shares = []
    for sentence in SENTENCE_END.split(body.lower()):
        words = [w for w in LATIN.findall(sentence) if w not in STOP]
        words += _cjk_pairs(sentence)
        if len(words) > SHORT_SENTENCE:
            shares.append(sum(w in known for w in words) / len(words))
    return min(shares, default=0.0)


def _note_support(body: str, notes: Sequence[str], glosses: Glosses = no_glosses) -> float:
    """The share of the reply's words the notes have, or the English of their Chinese."""
    words = [w for w in WORD.findall(body.lower()) if w not in STOP]
    if not words:
        return 0.0
    known = " ".join(notes).lower()
    glossed = set().union(*map(glosses, notes))
    return sum(w in known or w in glossed for w in words) / len(words)
