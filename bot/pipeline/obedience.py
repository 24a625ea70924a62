"""Whether a draft carries out an instruction found in the comment, judged from the draft.

Triage tries to spot a comment that instructs the bot, but wording is endless; what an obeying
model writes is not. A reply is held when it:

- repeats text the comment asked to be said or printed (a quoted span, or what follows "say:");
- copies a run of the comment's words that the creator's notes and voice do not contain;
- quotes or paraphrases the system prompt (its rare phrases, or the draft talking about rules);
- takes on a persona the comment named ("you are now a pirate" → "Arr", "I'm Max"), or says
  that someone other than the creator is speaking ("Her mum here!", "Hi from the Fellow
  team", "我是她的助理") or speaks of the creator by name as someone else ("Lina doesn't read
  the comments");
- answers a comment that says how the reply is to be worded ("answer like a cowboy", "make it
  rhyme", "用东北话回答"): whether the draft then speaks as the creator cannot be told from its
  words, so there is no evidence it does;
- answers in a format the comment dictated (capitals, JSON, a list, a poem, a code block, the
  first letters of its sentences spelling the comment's word, even one spelt "S-C-A-M"), or
  in one the creator never writes in, however it was asked for: backwards, in mocking capitals
  ("tHe bLoOm"), with hashtags.

Everything here is plain text work: no model call, well under a millisecond a draft.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from bot.pipeline.decide import Check
from bot.pipeline.encodings import revealed
from bot.pipeline.evidence import in_dictionary
from bot.pipeline.guard import CLAUSE_END, WITHIN, plain
from bot.pipeline.lexicon import COMMON

QUOTED = re.compile(r"\"([^\"]{2,120})\"|“([^”]{2,120})”|«\s*([^»]{2,120}?)\s*»|「([^」]{2,120})」"
                    r"|(?<!\w)'([^']{2,120})'(?!\w)|‘([^’]{2,120})’|“([^”]{2,120})\"")
#: what follows "say:", "write", "reply with only", "只回复：" up to the end of the sentence
ASKED = re.compile(r"(?:\b(?:say|print|write|type|reply with(?: only)?(?: the words?)?|"
                   r"respond with|end (?:your reply )?with(?: the words)?|tell everyone)"
                   r"\b\s*[:：]?\s*"
                   r"|(?:只回复|回复|写上|说)[:：]\s*)([^.!?\n。！？]{2,120})", re.IGNORECASE)
PERSONA_ASK = re.compile(
    r"\b(?:(?:talk|speak|write|reply|answer|respond) (?:like|as if you were) (?:an? )?|"
    r"in the (?:style|voice) of (?:an? )?|"
    r"you(?:'re| are) (?:now |no longer \w+,? )?(?:an? )?|pretend (?:to be|you are) (?:an? )?|"
    r"act as (?:an? |my )?|roleplay as (?:an? |my )?|answer as (?:an? )?|"
    # "be a pirate", "be my grandma", "Be Gordon Ramsay.": with an article or as a command,
    # not "how long should the bloom be and how much water?"
    r"(?<!there )(?<!will )be (?:an? |my )|(?:^|[.!?;:]\s+|\b(?:please|now|just) )be "
    r"(?-i:(?=[A-Z]))|(?-i:you be (?=[A-Z]))|"
    r"from now on you(?:'re| are) (?:an? )?)([\w' -]{2,40})"
    r"|扮演(?:一[只个位名])?([\u4e00-\u9fff]{1,6})|你现在是(?:一[只个位名])?([\u4e00-\u9fff]{1,6})",
    re.IGNORECASE)
SELF_NAMED = re.compile(r"\b(?:i'?m|i am|my name is|this is|call me)\s+([A-Z][a-z]+)")
#: who may speak for a creator, or beside them: "her mum", "Lina's cat", "his assistant"
ROLES = (r"mum|mom|mother|dad|father|parents?|partner|husband|wife|boyfriend|girlfriend|sister|"
         r"brother|friend|assistant|manager|editor|team|cat|dog|intern|admin|agent|bot|"
         r"auto-?reply|ai")
#: where a reply says who is speaking: "Mia here!", "Her mum here", "Timemore customer service
#: here", "Hi from the Fellow team", "This is Lina's cat", "我是她的助理", "这边是泰摩的客服"
INTRODUCED = re.compile(
    r"^\W*(?:(?:hi|hey|hello|hiya|howdy|greetings)\W+)?((?:[A-Za-z'’-]+\s+){0,3}?[A-Za-z'’-]+)"
    r"\s+here\s*(?:[!,—]|$)"
    r"|\b(?:hello|hi|hey|greetings|love|cheers) from (?:the |your )?((?:[\w'’-]+\s+){0,3}?"
    r"(?:team|crew|company|brand|hq|headquarters|support))\b"
    rf"|^\W*(?:(?:hi|hey|hello)\W+)?(?:this is|it'?s|you(?:'re| are) talking to|you(?:'re| are) "
    rf"reading)\s+((?:her|his|their|\w+'s)\s+(?:{ROLES}))\b"
    r"|\b(?:on behalf of|speaking for|replying for|answering for)\s+([\w'’-]+(?:\s+[\w'’-]+)?)"
    r"|^\W*(?:亲\W*)?(?:我是|这边是|这里是)((?:她|他|lina)的?[\u3400-\u9fff]{1,4}|[\u3400-\u9fff]{0,6}"
    r"(?:客服|助理|团队|小编|经纪人|运营|官方))",
    re.IGNORECASE)
#: a possessive or a name in who is speaking: "her mum", "Lina's cat", "Timemore"
SPEAKER_OTHER = re.compile(r"^(?:her|his|their|our|my)\b|'s\b|’s\b", re.IGNORECASE)
#: a pirate's words, whoever asked for the pirate
PIRATE = r"yo[ -]ho|hearties|shiver me timbers|landlubbers?"
PERSONA_TELLS = re.compile(rf"\b(?:arr+|matey|ahoy|{PIRATE}|beep boop|"
                           r"as an? (?!home)\w+(?: \w+)?,|"
                           r"i am (?:an? )?(?:ai|bot|robot|language model))\b|喵|本喵|在下|吾",
                           re.IGNORECASE)
#: tells no creator's reply has unless someone made the model play a part
PLAYED = re.compile(rf"\b(?:y?arr+|matey|ahoy|{PIRATE}|beep[ -]?boop|(?:i am|i'm|as) (?:an? )?"
                    r"(?:ai|bot|robot|(?:ai )?language model))\b|本喵", re.IGNORECASE)
TALKS_RULES = re.compile(r"\b(?:my (?:instructions|rules|guidelines|prompt|settings)|i (?:was|am) "
                         r"(?:told|instructed|programmed)|as a bot|i must (?:always|never)|"
                         r"the rules i follow)\b|我的(?:设定|指令|规则)|我被设定",
                         re.IGNORECASE)
FORMATS = {
    "capitals": re.compile(r"\b(?:upper ?case|all caps|caps lock|capital letters?|in caps|"
                           r"title case|capitali[sz]e\w*)\b|大写", re.IGNORECASE),
    "slashes": re.compile(r"\bslash(?:es)?\b|\bpipes?\b|(?<![:/])/(?!/)|斜杠|隔开|分隔",
                          re.IGNORECASE),
    "json": re.compile(r"\bjson\b|\bxml\b|\byaml\b", re.IGNORECASE),
    "list": re.compile(r"\b(?:list|bullet|bullets|bullet points|numbered|steps)\b|列出|清单"
                       r"|\b(?:top )?(?:\d+|three|four|five|seven|ten) (?:reasons|things|tips|"
                       r"ways|points|items|rules|facts)\b|[三四五六七八九十]个(?:理由|原因|要点|建议)",
                       re.IGNORECASE),
    "verse": re.compile(r"\b(?:poem|haiku|rhymes?|verse|limerick|song lyrics)\b|诗|文言文",
                        re.IGNORECASE),
    "code": re.compile(r"code ?block|```|\bmarkdown\b", re.IGNORECASE),
    "initials": re.compile(r"\bacrostic\b|\bfirst letters? of (?:each|every)\b|\b(?:each|every) "
                           r"(?:sentence|line)\b[^.?!]{0,30}\b(?:starts?|begins?) with|\bstart "
                           r"(?:each|every) (?:sentence|line)|藏头|首字(?!母)"
                           r"|每(?:句|行).{0,8}(?:第一个字|首字)", re.IGNORECASE),
}
#: where a Chinese request starts: a clause, or a word that asks ("请", "能不能", "可以", "麻烦")
ASKED_ZH = rf"(?:^|{CLAUSE_END}\s*|请|能不能|能|可以|麻烦|帮我|来|试着|直接|你|只)"
#: plain words, a language and a manner of speaking that is anyone's, not a voice
PLAIN_ZH = ("简单|通俗|直白|易懂|白话|人话|普通话|具体|中文|汉语|英文|英语|一句话|什么|这种|那种|"
            "哪种")
#: where a request to the bot starts: a clause, or "please", "can you", "just"…
ASKING = (r"(?:^|[,.!?:;(—–~～]\s*|\b(?:please|pls|plz|now|just|ok|okay|lol|"
          r"(?:can|could|would|will) (?:you|u)|you should|i want you to|i'd like you to)\s+)")
#: the verb of a request for a voice, as a command; then up to four words of what is to be
#: worded ("put your answer", "answer me"); "do", "give" and "explain" ask for content ("do
#: like a Q&A video", "explain like last time"), not a voice
SAY = (r"(?:answer|reply|respond|talk|speak|write|say|put|word|phrase|format|act|sound|written)"
       r"(?:\s+(?:it|this|that|me|us|your|the|my|answer|reply|response|back|to this|for me|"
       r"for this one|for fun|please|pls|all|only|entirely)){0,4}\s+")
#: forms of speech a creator does not answer in of their own accord
FORMS = (r"(?:style|voice|tone|accent|dialect|rhymes?|rhyming|poem|haiku|verse|limerick|slang|"
         r"speak|lingo|persona|lowercase|uppercase|all caps|caps|capitals|riddles?|emojis?)")
#: where the voice asked for ends: the request's end, or "would", "please", "for this one"
VOICE_END = (r"(?:\s+(?:would|for (?:this one|fun|me)|please|pls|talks?|speaks?))?\s*(?:[,.!?:;]|$"
             r"|when you (?:answer|reply)|and (?:tell|answer|reply|respond|give|explain|say))")
#: a comment that says how the reply is to be worded: a voice ("answer like a cowboy:", "talk
#: like Yoda please", "reply as if you were a pirate", "pretend you're my grandma", "用东北话回答",
#: "以客服的口吻回答", "请扮演"), a form ("make it rhyme", "answer in haiku form", "answer in one
#: long lowercase sentence", "the words in reverse order", "用古文回答", "用繁体字回答"). Plain or
#: simple words, "like I'm five", a language ("is the video in English?", "用普通话回答"), a
#: request for content ("do like a Q&A video", "can you do Korean-style chicken?"), a viewer
#: speaking of themself ("tell me as a newbie") and a description ("the passion in your voice",
#: "the second verse", "you talk like a professor", "你用粤语说的那段") are not one
DICTATED = re.compile(
    rf"{ASKING}{SAY}(?:like (?:you(?:'re| are| were)|u r) |as (?:if|though) (?:you|u)(?:'re| are"
    r"| were| r) |like (?!(?:an? |my |some |one )?(?:this|that|it|i|i'm|you|me|the|normal|usual|"
    r"always|before|why|what|how|which|when|where|who|whether|if|so|really|literally|just|pro|"
    r"boss|champ|more|\d+)\b)(?:an? |my |some |one )?[\w'-]+(?: [\w'-]+){0,5}?" + VOICE_END +
    r"|(?:as|the way) (?:an? |the )?(?!(?:you|u)\b)[\w'-]+(?: [\w'-]+)? would(?= *(?:[,.!?:;]|$))"
    r"|in (?:an? |the |one )?(?:[\w'-]+ ){0,3}?" + FORMS + r"\b"
    r"|(?:with|using) (?:an? |only )?(?:[\w'-]+ ){0,2}?(?:voice|accent|slang|emojis?|rhymes?)\b"
    r"|in (?!(?:plain|simple|simpler|basic|normal|good|proper|easy|the|your|my)\b)[a-z'-]+ "
    r"english\b|[\w'-]+-style\b|in the form of an? |in character\b)"
    # "like you're …" and "… would" ask for a voice after any verb: "tell me like you're a
    # cowboy", "do it like Gordon Ramsay would"
    rf"|{ASKING}(?:do|explain|tell|give)\b(?:\s+\S+){{0,3}}?\s+(?:like (?:you(?:'re| are| were)"
    r"|u r|ur) |as (?:if|though) (?:you|u)(?:'re| are| were| r) |(?:like|the way) (?:an? |the )?"
    r"(?!(?:you|u)\b)[\w'-]+(?: [\w'-]+)? would(?= *(?:[,.!?:;]|$)))"
    # who is to speak, after a verb of answering: "reply as a pirate:", "Answer as Shakespeare"
    r"|\b(?:answer|reply|respond|act)\s+as (?:an? |the |(?-i:(?=[A-Z])))[\w'-]+(?: [\w'-]+)?"
    + VOICE_END +
    rf"|(?:{ASKING}(?:(?:explain|tell)\w*(?:\s+\S+){{0,5}}?\s+)?|\b(?:answer|reply|response)\s+)"
    r"in (?:an? |one )?(?:[\w'-]+ )?(?:rhymes?|haiku|limerick)\b"
    r"|\bmake (?:it|your answer|the answer|your reply|every sentence) (?:rhyme|a (?:poem|haiku|"
    r"rap))\b|\b(?:words|letters) in reverse order\b|\brhyming (?:reply|answer|response)\b"
    rf"|(?:^|{CLAUSE_END}\s*)only (?:in )?emojis?\b"
    rf"|{ASKING}(?:pretend (?:to be|you(?:'re| are))|role-?play as\b|you are now\b"
    r"|make (?:it|your answer|the answer) sound like\b"
    r"|(?:imagine|from now on,?) you(?:'re| are) (?:an? |the |(?-i:(?=[A-Z])))[\w'-]+(?: [\w'-]+)?"
    + VOICE_END + r"|be (?:an? |my )[\w'-]+ (?:for this|when you|and (?:tell|answer|reply|give|"
    r"explain|say)))"
    rf"|(?:^|{CLAUSE_END}\s*)(?:in the (?:voice|style|persona) of (?!your|my)(?:an? |the )?"
    r"[\w'-]+(?: [\w'-]+)?\s*[,.!?:;]|(?:using|with) an? [\w'-]+ (?:voice|accent)\s*[,.!?:;])"
    # Chinese: at a clause's start or after a request word (请, 能不能, 可以…): 用 a voice and a
    # verb of saying, or 以 a voice and 回答; not plain words, a language or a manner ("用这种方式
    # 讲解"), and not what was said ("用东北话说就是", "用文言文写的那句")
    rf"|{ASKED_ZH}(?:用(?!{WITHIN}{{0,12}}?(?:{PLAIN_ZH}))(?!了|户|起|过){WITHIN}{{0,12}}?"
    r"(?:(?<![的实真大好废坏行])话|腔|语气|口气|口吻|口音|风格|文风|古文|古风|文言|繁体|火星文|顺口溜|诗|"
    r"歌词|方言|身份|粤语|emoji|表情|押韵|(?<![这那哪么种个])的(?:方式|形式))"
    rf"{WITHIN}{{0,3}}?来?(?:回答|回复|说|讲|写|解释|聊|答|评价|介绍)(?![的过了得]|就是)"
    rf"|以{WITHIN}{{1,12}}?(?:语气|口气|口吻|身份|风格|视角){WITHIN}{{0,3}}?来?(?:回答|回复|回|跟我说|"
    r"告诉我|评价|介绍)|" + WITHIN + r"{0,6}(?:腔|口音)来?(?:回答|回复)"
    rf"|假装(?:你是|成)(?![的过了])|(?:模仿|学(?![到了习会过])着?){WITHIN}{{1,10}}?"
    rf"(?:的语气|的口气|的口吻|回答|回复)|像{WITHIN}{{1,8}}一样(?:回答|回复)|写成{WITHIN}{{0,4}}(?:诗|绝句|歌)"
    rf"|(?:换成|带点|整点|来点){WITHIN}{{1,4}}(?:腔|口音|话)来?(?:回答|回复|说)(?![的过了])"
    r"|押韵地?(?:回答|回复))"
    rf"|(?:回答|回复){WITHIN}{{0,4}}?(?<![可所])(?:用|以){WITHIN}{{1,8}}?的?(?:语气|口气|口吻|身份)"
    rf"|你现在是一?[个只位名](?!{WITHIN}{{0,20}}[吗?])|你就当自己是|扮演(?![的过了着])(?!{WITHIN}{{0,4}}角色)",
    re.IGNORECASE | re.MULTILINE)
WORD = re.compile(r"[^\W_]+", re.UNICODE)
#: an item of a list written in one line: "1) taste", "② price", "三、好喝"; not "15.5 g"
INLINE_ITEM = re.compile(r"(?:^|\s|[(（])(?:\d+[.)）](?!\d)|[①-⑩]|[一二三四五][、.])\s*\S")
HASHTAG = re.compile(r"(?<![\w&/])#[^\W\d_][\w-]*")
#: a comment asking how sentences end
ENDING_ASKED = re.compile(r"\b(?:end|finish|close)\w*\s+(?:(?:each|every|all|your)\s+)+(?:\w+\s+)?"
                          r"(?:sentences?|lines?|replies|reply|messages?|answers?)\b"
                          r"|\b(?:each|every|all)\s+(?:\w+\s+)?(?:sentences?|lines?)\s+(?:\w+\s+)?"
                          r"(?:ends?|ending|finish)"
                          r"|结尾|末尾|每句", re.IGNORECASE)
#: single letters or characters with something between each: "S-C-A-M", "F A K E", "智·商·税"
SPELT_APART = re.compile(r"(?<![A-Za-z])(?:[A-Za-z][\s.\-_,/|·*•]+){2,}[A-Za-z](?![A-Za-z])"
                         r"|(?<![A-Za-z])(?:[A-Z](?:[\s,]+(?:then|and|after that)[\s,]+"
                         r"|[\s,]+)){2,}[A-Z](?![A-Za-z])"
                         r"|(?:[\u3400-\u9fff][\s.\-_,/|·*•、，]+){2,}[\u3400-\u9fff]")
CJK = re.compile(r"[\u3400-\u9fff]")
#: punctuation between two stretches of words (after `plain`): a clause's end, an enumeration
#: comma, a dash, brackets, quotation marks, a new line; not the point, comma or colon inside a
#: number or a name ("0.1", "1,000", "9:30", "U.S.")
BREAK = re.compile(r"(?:(?<!\d)[,:](?!\d)|\.(?![A-Za-z0-9])"
                   r"|[;!?。、…—–()\[\]\"“”«»「」『』【】《》\n])+")
#: a run of this many of the comment's words copied is a copy wherever the texts break
LONG_COPY = 5


@dataclass(frozen=True)
class Voice:
    """What the creator writes and the prompt contains, to tell their words from the comment's."""

    system_prompt: str
    notes: Sequence[str] = ()
    persona_name: str = ""


def obedience(comment: str, reply: str, voice: Voice) -> Check:
    """The check: holds (score 1) unless the reply carries out something the comment asked."""
    comment, reply = plain(revealed(comment)), plain(reply)
    found = (_repeats_asked(comment, reply, voice) or _copies(comment, reply, voice)
             or _system_prompt(reply, voice) or _persona(comment, reply, voice)
             or _format(comment, reply, " ".join([*voice.notes, voice.system_prompt]))
             or _backwards(reply, voice) or _dictated(comment))
    if found:
        return Check("obedience", False, 0.0, found)
    return Check("obedience", True, 1.0, "carries out nothing the comment asked")


def _dictated(comment: str) -> str:
    """The comment says how the reply is to be worded. Whether a draft then speaks as the
    creator or as the voice asked for cannot be told from the draft's words alone ("Howdy,
    partner!", "老铁，整挺好"): there is no evidence it is the creator's, so a person decides."""
    asked = DICTATED.search(comment)
    if asked is None:
        return ""
    return (f"the comment says how to word the reply ({asked.group(0).strip(' ,.:;!?')[:40]!r}); "
            "the creator answers in their own voice")


def _tokens(text: str) -> list[str]:
    """Words, with each CJK character a word of its own."""
    out: list[str] = []
    for word in WORD.findall(text.lower()):
        out.extend(list(word) if CJK.search(word) else [word])
    return out


def _contains(haystack: list[str], needle: list[str]) -> bool:
    n = len(needle)
    return n > 0 and any(haystack[i:i + n] == needle for i in range(len(haystack) - n + 1))


def _repeats_asked(comment: str, reply: str, voice: Voice) -> str:
    spans = [next(g for g in m.groups() if g) for m in QUOTED.finditer(comment)]
    spans += [m.group(1) for m in ASKED.finditer(comment)]
    said = _tokens(reply)
    own = _tokens(" ".join([*voice.notes, voice.system_prompt]))
    for span in spans:
        words = _tokens(span)
        # a one-word span is too common to judge ("PWNED" is caught as a copy below)
        if len(words) >= 2 and _contains(said, words) and not _contains(own, words):
            return f"repeats what the comment asked to be said: {span.strip()[:60]!r}"
    return ""


def _copies(comment: str, reply: str, voice: Voice, run: int = 4) -> str:
    """A run of `run` comment words in the reply that the creator's material does not have,
    written with no break between its words in the comment or in the reply ("心情很好，谢谢" in
    both copies no "很好谢谢"), or a run of `LONG_COPY` however it is broken ("楼上、杠精、神经病");
    a short shouted word copied alone ("PWNED") counts too."""
    own = _tokens(" ".join([*voice.notes, voice.system_prompt]))
    theirs, said = _tokens(comment), _tokens(reply)
    together = _unbroken(comment, run) | _unbroken(reply, run)
    short = (set(_ngrams(said, run)) & set(_ngrams(theirs, run)) & together) \
        - set(_ngrams(own, run))
    long = set(_ngrams(said, LONG_COPY)) & set(_ngrams(theirs, LONG_COPY)) \
        - set(_ngrams(own, LONG_COPY))
    for gram in sorted(short) or sorted(long):
        return f"copies the comment: {' '.join(gram)!r}"
    shouted = {w for w in re.findall(r"\b[A-Z]{4,}\b", comment)}
    body = set(re.findall(r"\b[A-Z]{4,}\b", reply))
    if shouted & body:
        return f"copies the comment's word {sorted(shouted & body)[0]!r}"
    return ""


def _ngrams(words: list[str], n: int) -> list[tuple[str, ...]]:
    return [tuple(words[i:i + n]) for i in range(len(words) - n + 1)]


def _unbroken(text: str, n: int) -> set[tuple[str, ...]]:
    """The runs of `n` words of `text` that no punctuation breaks."""
    return {gram for stretch in BREAK.split(text) for gram in _ngrams(_tokens(stretch), n)}


def _system_prompt(reply: str, voice: Voice, run: int = 5) -> str:
    told = TALKS_RULES.search(reply)
    if told:
        return f"talks about its instructions ({told.group(0)!r})"
    # phrases of the prompt that the notes do not also say: quoting them is reciting the prompt
    notes = set(_ngrams(_tokens(" ".join(voice.notes)), run))
    prompt = set(_ngrams(_tokens(voice.system_prompt), run)) - notes
    shared = prompt & set(_ngrams(_tokens(reply), run))
    if shared:
        return f"quotes the system prompt: {' '.join(sorted(shared)[0])!r}"
    return ""


def _persona(comment: str, reply: str, voice: Voice) -> str:
    for match in PERSONA_ASK.finditer(comment):
        asked = next(g for g in match.groups() if g)
        nouns = [w for w in _tokens(asked)
                 if (len(w) > 2 and w not in COMMON) or CJK.search(w)][:4]
        if any(re.search(rf"(?<!\w){re.escape(n)}", reply, re.IGNORECASE) for n in nouns):
            return f"takes the persona the comment asked for ({asked.strip()[:40]!r})"
        tell = PERSONA_TELLS.search(reply)
        if tell:
            return f"speaks as someone else ({tell.group(0)!r})"
    # however the comment asked for it: the creator does not talk like this
    tell = PLAYED.search(reply)
    if tell and not re.search(rf"(?<!\w){re.escape(tell.group(0))}(?!\w)",
                              " ".join([*voice.notes, voice.system_prompt]), re.IGNORECASE):
        return f"speaks as someone else ({tell.group(0)!r})"
    for name in SELF_NAMED.findall(reply):
        if voice.persona_name and name.lower() not in voice.persona_name.lower():
            return f"calls itself {name!r}"
    return _speaker(reply, voice)


def _speaker(reply: str, voice: Voice) -> str:
    """The reply says someone other than the creator is speaking ("Her mum here!", "Hi from
    the Fellow team", "我是她的助理"), or speaks of the creator by name as someone else
    ("Lina doesn't read the comments", "This is Lina's cat"): the creator writes as themself."""
    body = _unsigned(reply)
    own = {w.lower() for w in re.findall(r"\w+", voice.persona_name)}
    for match in INTRODUCED.finditer(body):
        speaker = next(g for g in match.groups() if g).strip()
        words = [w.lower() for w in re.findall(r"\w+", speaker)]
        if (set(words) <= own or speaker.lower() in own) and not SPEAKER_OTHER.search(speaker):
            continue  # "Lina here!"
        named = (SPEAKER_OTHER.search(speaker) or CJK.search(speaker) or match.group(2)
                 or match.group(3) or match.group(4) or not all(map(in_dictionary, words)))
        if named:
            return f"speaks as someone other than the creator ({speaker[:40]!r})"
    # the creator's own name, not a word of the channel's ("Coffee with Lina": Lina)
    words = re.findall(r"\w+", voice.persona_name)
    joins = [i for i, w in enumerate(words) if w.lower() in {"with", "by", "and", "of", "from"}]
    first = words[joins[-1] + 1] if joins and joins[-1] + 1 < len(words) else \
        next(iter(words), "")
    if first and len(first) > 2:
        third = re.search(rf"\b{re.escape(first)}(?:'s|’s|\s+(?:is|was|does|doesn't|isn't|"
                          rf"has|hasn't|will|won't|can't|says|said|thinks|loves|hates|drinks|"
                          rf"uses|reads|wants|asked|told))\b", body, re.IGNORECASE)
        if third:
            return f"speaks of the creator as someone else ({third.group(0)!r})"
    return ""


def _unsigned(reply: str) -> str:
    """The reply without its signature: from its first "—" to the end of that line."""
    return re.sub(r"—.*$", "", reply).strip()


def _format(comment: str, reply: str, own: str = "") -> str:
    """A format the comment dictated, or one the creator never writes in; `own` is the
    creator's material (the notes and the prompt)."""
    body = _unsigned(reply)
    sentences = [p.strip() for p in re.split(r"[.!?。！？\n]+", body) if p.strip()]
    shapes = {
        "capitals": _capitals(body) > 0.6 or _title_case(body),
        "slashes": len(re.findall(r"[/|／｜]", body)) >= 3,
        "json": body[:1] in "{[" and body[-1:] in "}]",
        "list": len(re.findall(r"(?m)^\s*(?:[-*•]|\d+[.)])\s", body)) >= 2
        or len(INLINE_ITEM.findall(body)) >= 3,
        "verse": len([line for line in body.splitlines() if line.strip()]) >= 3,
        "code": "```" in body,
        # the sentences' or lines' first letters may spell what the comment wanted said
        "initials": len(sentences) >= 3,
    }
    for name, asked in FORMATS.items():
        if asked.search(comment) and shapes[name]:
            return f"answers in the format the comment dictated ({name})"
    spelled = _spelled(comment, sentences)
    if spelled:
        return f"the first letters of its sentences spell {spelled!r}, a word of the comment"
    ending = _same_ending(comment, body, own)
    if ending:
        return f"ends its sentences with the comment's {ending!r}"
    # however it was asked for: the creator does not write in mocking capitals or hashtags,
    # nor with a space between every character
    chinese = CJK.findall(body)
    if len(chinese) >= 6 and len(re.findall(r"[\u3400-\u9fff](?=\s)", body)) > len(chinese) / 2:
        return "a space between every character"
    mocked = [w for w in re.findall(r"[A-Za-z]{3,}", body) if _mocking(w)]
    if len(mocked) >= 3:
        return f"writes in mocking capitals ({' '.join(mocked[:3])!r})"
    theirs = {t.lower() for t in HASHTAG.findall(own)}
    tags = [t for t in HASHTAG.findall(body) if t.lower() not in theirs]
    if tags:
        return f"writes hashtags the creator's material does not ({' '.join(tags[:3])!r})"
    return ""


def _same_ending(comment: str, body: str, own: str) -> str:
    """What two sentences or more end with alike that the comment wrote and the creator's
    material does not ("uwu", "lol jk", "哈哈哈"): words no dictionary has, or an ending the
    comment asked for ("end every sentence with…", "每句结尾加上…")."""
    counts: Counter[str] = Counter()
    for part in re.split(r"(?<=[.!?。！？\n])", body):
        part = re.sub(r"(?<=[^\W_])[\W_]+$", "", part.strip()).lower()
        words = re.findall(r"[a-z']+", part[-40:]) if re.search(r"[a-z]$", part) else []
        counts.update({" ".join(words[-n:]) for n in (1, 2) if len(words) >= n}
                      | {part[-n:] for n in (2, 3) if CJK.search(part[-1:] or " ")})
    said, mine = comment.lower(), own.lower()
    asked = ENDING_ASKED.search(comment) is not None
    for piece in sorted(counts, key=len, reverse=True):
        if len(piece) < 2 or counts[piece] < 2 or piece in mine \
                or not re.search(rf"(?<![a-z]){re.escape(piece)}(?![a-z])", said):
            continue
        if asked:
            return piece
        if not CJK.search(piece) and not all(map(in_dictionary, piece.split())):
            return piece  # "uwu", however it was asked for
    return ""


def _mocking(word: str) -> bool:
    """Case flipped letter by letter ("tHe", "bLoOm"), not a name's capitals ("YouTube",
    "iPhone", "McDonald")."""
    switches = len(re.findall(r"[a-z](?=[A-Z])|[A-Z](?=[a-z])", word))
    return switches >= 2 and switches > len(word) * 0.5


def _spelled(comment: str, sentences: Sequence[str]) -> str:
    """A word of the comment (three letters or more; of Chinese, three characters) that the
    first letters of the reply's sentences or lines spell, however the comment asked for it."""
    if len(sentences) < 3:
        return ""
    initials = "".join(p[0] for p in sentences).lower()
    # letters spelt apart count as the word they spell: "S-C-A-M", "L.I.A.R", "智-商-税"
    comment += " " + " ".join(re.sub(r"then|and|after that|[^A-Za-z\u3400-\u9fff]", "",
                                     m.group(0)) for m in SPELT_APART.finditer(comment))
    words = {w.lower() for w in re.findall(r"[A-Za-z]{3,}", comment)}
    for word in sorted(words, key=len, reverse=True):
        if word in initials:
            return word
    chinese = "".join(CJK.findall(initials))
    for i in range(len(chinese) - 2):
        if chinese[i:i + 3] in comment:
            return chinese[i:i + 3]
    return ""


def _backwards(reply: str, voice: Voice) -> str:
    """Written backwards: read the other way round, far more of its words are words."""
    body = _unsigned(reply)
    known = COMMON | set(_tokens(" ".join([*voice.notes, voice.system_prompt])))
    words = [w for w in re.findall(r"[a-z]{2,}", body.lower())]
    if len(words) < 2:
        return ""
    ahead = sum(w in known for w in words) / len(words)
    behind = sum(w[::-1] in known for w in words) / len(words)
    return "is written backwards" if behind >= 0.5 and behind > ahead + 0.3 else ""


def _title_case(text: str) -> bool:
    """Most words begin with a capital ("24 Clicks On My Comandante, About 16 On A C3")."""
    words = re.findall(r"(?<![\w-])[A-Za-z][a-z'-]*(?![\w-])", text)
    return len(words) >= 5 and sum(w[0].isupper() for w in words) / len(words) > 0.6


def _capitals(text: str) -> float:
    letters = [c for c in text if c.isalpha() and c.isascii()]
    return sum(c.isupper() for c in letters) / len(letters) if len(letters) >= 8 else 0.0
