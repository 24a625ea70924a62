"""The YouTube connector with the real google-api-python-client against a fake YouTube."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.service.quota import QuotaLedger
from bot.service.retry import with_retries
from bot.state.store import Store
from connectors.base import Comment
from connectors.errors import AuthError, PermanentError, QuotaExceeded, TransientError
from connectors.youtube import Settings, YouTubeConnector, next_reset
from tests.fakes.youtube_server import CHANNEL, FakeYouTube


@pytest.fixture
def fake() -> Iterator[FakeYouTube]:
    server = FakeYouTube().start()
    server.add_video("vid1", "V60 Basics")
    server.add_video("vid2", "Cold Brew")
    yield server
    server.stop()


def write_token(path: Path, fake: FakeYouTube, valid_for_s: float = 3600,
                refresh_token: str = "refresh-1") -> Path:
    expiry = datetime.now(UTC) + timedelta(seconds=valid_for_s)
    path.write_text(json.dumps({
        "token": fake.issue_token(valid_for_s) if valid_for_s > 0 else "stale-token",
        "refresh_token": refresh_token, "client_id": "client-1", "client_secret": "secret-1",
        "token_uri": "https://oauth2.googleapis.com/token",  # must be overridden by config
        "scopes": ["https://www.googleapis.com/auth/youtube.force-ssl"],
        "expiry": expiry.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
    }), encoding="utf-8")
    return path


class Clock:
    def __init__(self, fake: FakeYouTube) -> None:
        self.fake = fake

    def __call__(self) -> datetime:
        return self.fake.now


def connector(fake: FakeYouTube, tmp_path: Path, meter: object = None,
              **overrides: object) -> YouTubeConnector:
    token = tmp_path / "token.json"
    if not token.exists():
        write_token(token, fake)
    values: dict[str, object] = {"channel_id": CHANNEL, "token_file": token,
                                 "token_uri": fake.token_uri, "api_endpoint": fake.base_url,
                                 "backfill_days": 3, "follow_up_check_s": 3600}
    values.update(overrides)
    return YouTubeConnector(Settings(**values), meter=meter, clock=Clock(fake))  # type: ignore[arg-type]


def poll(yt: YouTubeConnector, cursor: str | None) -> tuple[list[Comment], str | None]:
    result = yt.fetch_new(cursor)
    return result.comments, result.cursor


def test_a_first_poll_backfills_recent_threads_across_pages(fake: FakeYouTube,
                                                            tmp_path: Path) -> None:
    fake.add_thread("vid1", "too old to answer")
    fake.advance(4 * 86400)
    threads = [fake.add_thread("vid1" if n % 2 else "vid2", f"question {n}?")
               for n in range(250)]
    comments, cursor = poll(connector(fake, tmp_path), None)
    assert [c.comment_id for c in comments] == [t.top.id for t in reversed(threads)]
    assert fake.units == {"commentThreads.list": 3, "videos.list": 1}
    first = comments[-1]
    assert (first.platform, first.video_id, first.video_title) == ("youtube", "vid2", "Cold Brew")
    assert first.reply_to == first.comment_id and first.parent_id is None
    assert cursor and json.loads(cursor)["hwm"]


def test_an_idle_poll_costs_one_unit_however_many_videos(fake: FakeYouTube,
                                                         tmp_path: Path) -> None:
    for n in range(500):
        fake.add_video(f"v{n}", f"video {n}")
    for n in range(300):
        fake.add_thread(f"v{n % 500}", f"old comment {n}")
    yt = connector(fake, tmp_path, backfill_days=0)
    comments, cursor = poll(yt, None)
    assert comments == [] and fake.total_units == 1  # the first poll only sets the mark
    for _ in range(5):
        fake.advance(300)
        comments, cursor = poll(yt, cursor)
        assert comments == []
    assert fake.units == {"commentThreads.list": 6}


def test_a_burst_between_polls_is_read_completely_once(fake: FakeYouTube,
                                                       tmp_path: Path) -> None:
    yt = connector(fake, tmp_path, backfill_days=0)
    fake.add_thread("vid1", "before we started")
    _, cursor = poll(yt, None)
    burst = [fake.add_thread("vid1", f"burst {n}") for n in range(230)]
    comments, cursor = poll(yt, cursor)
    assert sorted(c.comment_id for c in comments) == sorted(t.top.id for t in burst)
    again, _ = poll(yt, cursor)
    assert again == []


def test_threads_started_in_the_same_second_are_not_lost(fake: FakeYouTube,
                                                         tmp_path: Path) -> None:
    yt = connector(fake, tmp_path)
    first = fake.add_thread("vid1", "first")
    comments, cursor = poll(yt, None)
    twin = fake.add_thread("vid1", "same second")
    twin.top.published = first.top.published
    comments, cursor = poll(yt, cursor)
    assert [c.comment_id for c in comments] == [twin.top.id]


def test_replies_to_new_threads_come_with_them_and_own_comments_are_marked(
        fake: FakeYouTube, tmp_path: Path) -> None:
    yt = connector(fake, tmp_path)
    thread = fake.add_thread("vid1", "What grinder?", author="Ann")
    for n in range(7):  # more than the 5 a thread carries: the rest via comments.list
        fake.add_reply(thread, f"me too {n}", author=f"fan{n}")
    fake.add_reply(thread, "Comandante C40.", author="Lina", author_channel=CHANNEL)
    closed = fake.add_thread("vid2", "no replies allowed here", can_reply=False)
    comments, _ = poll(yt, None)
    by_id = {c.comment_id: c for c in comments}
    assert len(comments) == 10
    assert fake.units["comments.list"] == 1
    own = [c for c in comments if c.is_own]
    assert [c.text for c in own] == ["Comandante C40."]
    reply = next(c for c in comments if c.text == "me too 6")
    assert (reply.parent_id, reply.reply_to) == (thread.top.id, thread.top.id)
    assert by_id[closed.top.id].can_reply is False


def test_follow_ups_in_older_threads_are_found_by_the_periodic_check(
        fake: FakeYouTube, tmp_path: Path) -> None:
    yt = connector(fake, tmp_path)
    old = fake.add_thread("vid1", "What kettle?", author="Bo")
    _, cursor = poll(yt, None)
    for n in range(120):  # push the old thread far off the first page
        fake.add_thread("vid2", f"newer {n}")
    _, cursor = poll(yt, cursor)
    follow_up = fake.add_reply(old, "And what temperature?", author="Bo")
    fake.advance(60)
    comments, cursor = poll(yt, cursor)
    assert comments == []  # not yet time to re-read older threads
    units = fake.total_units
    fake.advance(3600)
    comments, cursor = poll(yt, cursor)
    assert [c.comment_id for c in comments] == [follow_up.id]
    assert comments[0].reply_to == old.top.id and comments[0].parent_id == old.top.id
    # 1 idle poll, whose page also shows the 100 newest known threads, + 1 id batch for the
    # other 21 watched threads (50 per call)
    assert fake.total_units - units == 2
    again, _ = poll(yt, cursor)
    assert again == []


def test_a_reply_posts_under_the_top_level_comment(fake: FakeYouTube, tmp_path: Path) -> None:
    yt = connector(fake, tmp_path)
    thread = fake.add_thread("vid1", "Q?")
    fake.add_reply(thread, "follow-up question?", author="Cy")
    comments, _ = poll(yt, None)
    follow_up = next(c for c in comments if c.parent_id)
    posted = yt.post_reply(follow_up, "93°C. — Lina")
    [ours] = fake.our_replies(thread.top.id)
    assert (ours.text, posted.reply_id, posted.parent_id) == ("93°C. — Lina", ours.id,
                                                              thread.top.id)
    assert fake.units["comments.insert"] == 50
    found = yt.find_reply(follow_up, ["an edited text", "93°C. — Lina"])
    assert found is not None and found.reply_id == ours.id
    assert yt.find_reply(follow_up, ["never posted"]) is None


def test_a_lost_insert_response_is_not_sent_again(fake: FakeYouTube, tmp_path: Path) -> None:
    yt = connector(fake, tmp_path)
    thread = fake.add_thread("vid1", "Q?")
    comment = poll(yt, None)[0][0]
    fake.drop_insert_responses = 1
    with pytest.raises(TransientError):
        yt.post_reply(comment, "Thanks!")
    assert len(fake.our_replies(thread.top.id)) == 1  # saved once, never re-sent
    assert yt.find_reply(comment, ["Thanks!"]) is not None


@pytest.mark.parametrize(("reason", "status"), [("commentsDisabled", 403), ("forbidden", 403),
                                               ("processingFailure", 400),
                                               ("commentTextTooLong", 400)])
def test_refusals_are_permanent_with_the_platform_reason(fake: FakeYouTube, tmp_path: Path,
                                                         reason: str, status: int) -> None:
    yt = connector(fake, tmp_path)
    fake.add_thread("vid1", "Q?")
    comment = poll(yt, None)[0][0]
    fake.inject("comments.insert", status, reason)
    with pytest.raises(PermanentError) as info:
        yt.post_reply(comment, "Thanks!")
    assert info.value.code == reason


def test_disabled_comments_on_a_video_are_refused(fake: FakeYouTube, tmp_path: Path) -> None:
    fake.add_video("quiet", "Comments off", comments_disabled=True)
    yt = connector(fake, tmp_path)
    fake.add_thread("quiet", "Q?")
    comment = poll(yt, None)[0][0]
    with pytest.raises(PermanentError, match="commentsDisabled"):
        yt.post_reply(comment, "Thanks!")


def test_a_burst_of_server_errors_is_retried_with_backoff(fake: FakeYouTube,
                                                          tmp_path: Path) -> None:
    yt = connector(fake, tmp_path)
    fake.add_thread("vid1", "Q?")
    fake.inject("commentThreads.list", 503, "backendError", count=3)
    with pytest.raises(TransientError):
        yt.fetch_new(None)
    comments = with_retries(lambda: yt.fetch_new(None).comments, attempts=4, max_wait_s=0.05)
    assert len(comments) == 1


def test_quota_exceeded_pauses_until_the_pacific_reset(fake: FakeYouTube, tmp_path: Path,
                                                       store: Store) -> None:
    ledger = QuotaLedger(store, "youtube", 10_000, 2_500, clock=Clock(fake))
    yt = connector(fake, tmp_path, meter=ledger)
    fake.quota_exceeded = True
    with pytest.raises(QuotaExceeded) as info:
        yt.fetch_new(None)
    assert info.value.resume_at == next_reset(fake.now)
    assert ledger.status().used == 10_000  # nothing more is tried today
    with pytest.raises(QuotaExceeded):
        yt.fetch_new(None)
    assert fake.units == {"commentThreads.list": 1}


def test_the_ledger_counts_what_youtube_counts(fake: FakeYouTube, tmp_path: Path,
                                               store: Store) -> None:
    ledger = QuotaLedger(store, "youtube", 10_000, 2_500, clock=Clock(fake))
    yt = connector(fake, tmp_path, meter=ledger)
    thread = fake.add_thread("vid1", "Q?")
    for n in range(6):
        fake.add_reply(thread, f"r{n}")
    comments, cursor = poll(yt, None)
    yt.post_reply(comments[0], "Thanks!")
    yt.find_reply(comments[0], ["Thanks!"])
    assert ledger.status().used == fake.total_units == 1 + 1 + 1 + 50 + 1


def test_reads_stop_short_of_the_reply_reserve(fake: FakeYouTube, tmp_path: Path,
                                               store: Store) -> None:
    ledger = QuotaLedger(store, "youtube", 100, 60, clock=Clock(fake))
    yt = connector(fake, tmp_path, meter=ledger)
    fake.add_thread("vid1", "Q?")
    comment = poll(yt, None)[0][0]
    store.quota_add("youtube", ledger.status().day, 38)  # 40 used: the read budget is spent
    with pytest.raises(QuotaExceeded, match="kept for replies"):
        yt.fetch_new(None)
    yt.post_reply(comment, "Thanks!")  # replies may still spend the reserve
    assert ledger.status().used == 90


def test_a_valid_token_is_used_as_is(fake: FakeYouTube, tmp_path: Path) -> None:
    yt = connector(fake, tmp_path)
    fake.add_thread("vid1", "Q?")
    poll(yt, None)
    assert fake.token_requests == []


def test_an_expired_token_is_refreshed_at_the_configured_uri_and_saved(
        fake: FakeYouTube, tmp_path: Path) -> None:
    token = write_token(tmp_path / "token.json", fake, valid_for_s=-60)
    yt = connector(fake, tmp_path)
    fake.add_thread("vid1", "Q?")
    assert len(poll(yt, None)[0]) == 1
    assert [r["grant_type"] for r in fake.token_requests] == ["refresh_token"]
    saved = json.loads(token.read_text(encoding="utf-8"))
    assert saved["token"] in fake.access_tokens and saved["refresh_token"] == "refresh-1"
    assert stat.S_IMODE(token.stat().st_mode) == 0o600


def test_a_revoked_refresh_token_says_to_authorise_again(fake: FakeYouTube,
                                                         tmp_path: Path) -> None:
    write_token(tmp_path / "token.json", fake, valid_for_s=-60, refresh_token="revoked")
    with pytest.raises(AuthError, match="replybot auth youtube"):
        connector(fake, tmp_path).open()


def test_a_missing_token_says_to_authorise(fake: FakeYouTube, tmp_path: Path) -> None:
    yt = YouTubeConnector(Settings(channel_id=CHANNEL, token_file=tmp_path / "none.json",
                                   token_uri=fake.token_uri, api_endpoint=fake.base_url))
    with pytest.raises(AuthError, match="run `replybot auth youtube`"):
        yt.open()


def test_quota_running_out_mid_burst_loses_nothing(fake: FakeYouTube, tmp_path: Path) -> None:
    yt = connector(fake, tmp_path, backfill_days=0)
    _, cursor = poll(yt, None)
    burst = [fake.add_thread("vid1", f"burst {n}") for n in range(250)]
    fake.calls_before_quota_runs_out = 2  # two pages go through, the third is refused
    with pytest.raises(QuotaExceeded):
        yt.fetch_new(cursor)  # the bot keeps the old cursor: nothing of the burst is stored
    fake.calls_before_quota_runs_out, fake.quota_exceeded = None, False  # midnight Pacific
    comments, _ = poll(yt, cursor)  # the same cursor reads the whole burst
    assert sorted(c.comment_id for c in comments) == sorted(t.top.id for t in burst)
