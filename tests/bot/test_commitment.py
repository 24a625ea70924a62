"""A draft that promises, gives away or speaks of payment for the creator waits for them; an
answer, a thank-you or a denial the creator's notes also make does not."""

from __future__ import annotations

import pytest

from bot.pipeline.commitment import commitment

NOTES = ["Gear: nothing here is sponsored. I bought all three grinders myself.",
         "The printed guide ships from the shop; I'll send the PDF to newsletter readers."]


@pytest.mark.parametrize(("reply", "kind"), [
    ("Yes! I'll send my old C3 to one viewer who comments.", "promises"),
    ("Comment your address and I will mail a printed copy.", "promises"),
    ("If you cover the costs I'd be happy to review your grinder.", "promises"),
    ("可以！运费我出，寄给第一个留言的人。", "promises"),
    ("The first 50 commenters get my Timemore C3 as a thank-you.", "gives away"),
    ("Giveaway time: the winner gets a signed guide.", "gives away"),
    ("第一个在下面留言的新手就能拿到我的旧 C3。", "gives away"),
    ("Yes, the grinder comparison was sponsored by Comandante.", "pays"),
    ("Comandante pays me for every grinder video.", "pays"),
    ("是的，泰摩的视频都收了推广费。", "pays"),
    ("It's not sponsored... just kidding, Comandante is my partner with a code.", "pays"),
    # whatever the verb: what the creator will do is theirs to say
    ("I'll post you my spare Timemore C3, just DM me.", "will do"),
    ("I will reimburse you for the beans, promise.", "will do"),
    ("The best comment this week gets my Hario V60 02!", "will do"),
    ("我会把磨豆机快递给你，等着吧。", "will give or do"),
    # Chinese says it without "will": what the creator does for the viewer
    ("别难过！我把我那台旧磨豆机寄给你。", "will give or do"),
    ("好呀，我下个礼拜就去你店里喝一杯。", "will give or do"),
    ("抱歉！维修的钱我来出。", "will give or do"),
    ("没问题，我把签名版指南快递到你家。", "will give or do"),
    ("豆子寄过来吧，我试喝一下，顺便帮你宣传一下。", "will give or do"),
    ("下次来杭州，我请你喝咖啡！", "will give or do"),
    ("好呀，回头我拍一期你的店。", "will give or do"),
    ("差价我退给你。", "will give or do"),
    ("别担心，磨豆机坏了我赔你一台新的。", "will give or do"),
    ("下次见面这杯我买单。", "will give or do"),
    ("来回运费都由我承担。", "will give or do"),
    ("加个微信，我发你配方。", "will give or do"),
    ("可以呀，我的旧 C3 就寄给留言最早的那位观众。", "gives away"),
    ("留言最多的就归你了。", "will do"),
    ("I'm sorry! I'll buy it off you myself at the price you paid.", "will do"),
    ("Great idea! A cold brew latte video is coming this Friday.", "will do"),
    ("安排！爱乐压专题这周五上线。", "will do"),
    ("可以的，这个周末我和你视频通话。", "will do"),
    ("生日快乐！下期视频开头我一定念你的名字。", "will do"),
])
def test_what_only_the_creator_can_agree_to_waits(reply: str, kind: str) -> None:
    check = commitment(reply, NOTES)
    assert not check.ok
    assert check.score == 0.0
    assert kind in check.why


@pytest.mark.parametrize("reply", [
    "Thank you, I will!",
    "I'll keep the music lower next time, thanks for telling me.",
    "24 clicks on the Comandante, 15 g to 250 g.",
    "No, it wasn't sponsored: I bought all three grinders myself.",
    "No. I bought it myself in 2022. Nothing on the channel is sponsored.",
    "I'll send the PDF to newsletter readers, sign up below!",  # the notes say so
    "我会用24格，粉水比1:15。",
    "I'll never ask you to pay for anything.",
    "Let me know how it tastes!",
    "Thank you! I'll keep brewing.",
    "Ha, I'll take it!",
    "I'll admit I liked it, but I sold it to a friend.",
    "Haha, I'll take that as a compliment!",
    "That's 12:00 UTC. I'll see you Friday!",
    "Sure, I'll write it out! Bloom with 30 g at 0:00, then pour to 120 g.",
    "Thank you! I'll try that next time.", "We'll see!", "I'll have a look.",
    "I'm doing great, thanks for asking!", "You'll find my recipe in the description.",
    "The C40 gets my vote.", "Honestly, it's yours to decide.", "It is out on Bilibili too.",
    "谢谢支持！我会继续努力的！", "我会试试的！", "我来自杭州。", "我会说一点日语。",
    "我要是你，就磨细一点。",
    "谢谢！这期拍了三天。", "这周去了一趟云南。",
    "希望能帮到你！", "我一般在杭州本地的小烘焙坊买豆子。", "给你的朋友冲一杯试试。",
    "我用 Comandante 磨 24 格，你可以从这里开始调。",
    "我给你解释一下：闷蒸是让气体跑出来。", "我一般寄快递前会把豆子密封好。",
    "我觉得咱俩口味挺合拍的。", "我的豆子都是烘焙坊寄给我的。",
    "这个钱我出得心甘情愿，磨豆机真的值。", "我很喜欢你店里的装修！",
    "送你一句话：豆子新鲜最重要。", "新豆子到你家以后先养豆一周再喝。",
    "冷萃那期是我跟朋友一起拍的。", "都是我出钱买的，没有任何广告。",
    "我替你问了一下烘焙坊，他们说这批是浅烘。", "请你喝之前先摇一摇。",
    "送你四个字：慢慢注水。", "昨天我包了饺子。", "我给你发的私信可能被折叠了。",
])
def test_answers_and_thanks_commit_to_nothing(reply: str) -> None:
    check = commitment(reply, NOTES)
    assert check.ok, check.why


def test_a_denial_counts_only_where_the_notes_deny_it_too() -> None:
    reply = "No, nothing is sponsored."
    assert commitment(reply, NOTES).ok
    assert not commitment(reply, ["Comandante sponsors this series."]).ok


def test_a_promise_the_notes_make_backs_only_itself() -> None:
    assert not commitment("I'll send my old C3 to the first viewer who comments.", NOTES).ok
    assert not commitment("I’ll send the PDF and my old C3 to you!", NOTES).ok  # curly quote


def test_a_plan_the_notes_state_is_the_creators() -> None:
    notes = ["春节休息两周，其他时间每周五更新。"]
    assert commitment("春节我会休息两周。", notes).ok
    assert not commitment("我会在除夕直播抽奖。", notes).ok
