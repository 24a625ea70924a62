"""The approval page in a real browser: headless Chromium (Debian's package, driven by
Playwright) against `replybot serve` running as its own process on 127.0.0.1, sharing the
database with the CLI and the daemon."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from bot.domain import Status
from bot.state.store import Store
from tests.e2e.harness import REPLYBOT, Sandbox, free_port
from tests.fakes.drafts import add_draft
from tests.fakes.openai_server import FakeOpenAI

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "screenshots"
PHONE = {"width": 390, "height": 844}
CHROMIUM = "/usr/bin/chromium"  # Debian's chromium; `make test` installs it
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]
COMMENTS = [
    {"id": "q1", "author": "Tom", "text": "What water temperature do you use for a V60?",
     "video_id": "v60", "video_title": "V60 Basics"},
    {"id": "q2", "author": "Ana", "text": "Which grinder do you use for pour-over?",
     "video_id": "v60", "video_title": "V60 Basics"},
    {"id": "q3", "author": "Raj", "text": "How long should the bloom be?",
     "video_id": "v60", "video_title": "V60 Basics"},
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@dataclass
class Served:
    box: Sandbox
    url: str
    password: str
    process: subprocess.Popen[str]

    def store(self) -> Store:
        return Store.open(f"sqlite:///{self.box.data / 'replybot.db'}")


@pytest.fixture
def served(tmp_path: Path, fake_openai: FakeOpenAI) -> Iterator[Served]:
    """`replybot serve` on a free port, with its password made by `serve --init`."""
    box = Sandbox(tmp_path, fake_openai.base_url)
    port = free_port()
    box.write_config(f'[web]\nport = {port}\npublic_url = "http://127.0.0.1:{port}"\n')
    password = box.cli("serve", "--init").stdout.strip().splitlines()[-1]
    process = subprocess.Popen([REPLYBOT, "serve"], env=box.env(), text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, process)
        yield Served(box, url, password, process)
    finally:
        process.terminate()
        process.wait(timeout=30)


def wait_until_up(url: str, process: subprocess.Popen[str], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"replybot serve exited: {process.communicate()[1]}")
        try:
            if httpx.get(f"{url}/login", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("replybot serve did not start")


def log_in(browser: Browser, served: Served) -> Page:
    page = browser.new_page(viewport=PHONE, device_scale_factor=2, is_mobile=True,
                            has_touch=True)
    page.goto(f"{served.url}/")
    assert page.url.endswith("/login")
    page.fill("input[name=password]", served.password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{served.url}/")
    return page


def card(page: Page, draft_id: int) -> object:
    return page.locator(f"#draft-{draft_id}")


def fits_the_screen(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_approve_edit_and_reject_from_a_phone(browser: Browser, served: Served) -> None:
    box = served.box
    box.add_comments(COMMENTS)
    box.cli("run", "--once")  # the real pipeline drafts the replies
    ids = {d["comment_id"]: d["id"] for d in box.json("queue", "list")}
    assert set(ids) == {"q1", "q2", "q3"}
    page = log_in(browser, served)
    assert page.locator("article.card").count() == 3
    assert page.locator(f"#draft-{ids['q1']} .checks").inner_text().count("\n") >= 2
    assert fits_the_screen(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "queue-phone.png"))

    approved = page.locator(f"#draft-{ids['q1']}")
    reply = approved.locator("textarea").input_value()
    approved.get_by_role("button", name="Approve").click()
    page.wait_for_load_state()
    assert f"draft {ids['q1']}: posted" in page.locator(".flash").inner_text()

    edited = page.locator(f"#draft-{ids['q2']}")
    edited.locator("textarea").fill("A Comandante C40, 24 clicks. — Lina")
    edited.get_by_role("button", name="Approve").click()
    page.wait_for_load_state()

    rejected = page.locator(f"#draft-{ids['q3']}")
    rejected.locator("input[name=reason]").fill("answered in the pinned comment")
    rejected.get_by_role("button", name="Reject").click()
    page.wait_for_load_state()
    assert page.locator("article.card").count() == 0

    assert [(r["comment_id"], r["text"]) for r in box.outbox_records()] == \
        [("q1", reply), ("q2", "A Comandante C40, 24 clicks. — Lina")]
    audit = box.json("audit", "--draft", str(ids["q3"]))
    assert (audit[-1]["actor"], audit[-1]["reason"]) == \
        ("web:creator", "rejected on the web: answered in the pinned comment")

    page.goto(f"{served.url}/drafts/{ids['q2']}")
    trail = page.locator(".audit").inner_text()
    assert "approved" in trail and "web:creator" in trail and "posted" in trail
    assert fits_the_screen(page)
    page.screenshot(path=str(SCREENSHOTS / "draft-phone.png"), full_page=True)
    page.close()


def test_approving_from_the_page_and_the_cli_at_once_posts_once(browser: Browser,
                                                                served: Served) -> None:
    store = served.store()
    try:
        draft_id = add_draft(store, "q1", "What water temperature?", platform="local")
    finally:
        store.close()
    page = log_in(browser, served)
    button = page.locator(f"#draft-{draft_id}").get_by_role("button", name="Approve")
    racers = [subprocess.Popen([REPLYBOT, "queue", "approve", str(draft_id)],
                               env=served.box.env(), text=True, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE) for _ in range(2)]
    button.click()
    page.wait_for_load_state()
    codes = [racer.wait(timeout=120) for racer in racers]
    assert [r["comment_id"] for r in served.box.outbox_records()] == ["q1"]
    said = page.locator(".flash").inner_text()
    web_won = f"draft {draft_id}: posted" in said
    assert sorted(codes) == ([1, 1] if web_won else [0, 1]), (said, codes)
    audit = served.box.json("audit", "--draft", str(draft_id))
    assert [e["to_status"] for e in audit].count("posting") == 1
    page.close()


HOSTILE = '<script>alert("comment")</script><img src=x onerror="alert(1)">'
BREAKOUT = '"><svg onload=alert(2)>'
RTL = "\u202eevil.exe\u202c — fine video"


def test_hostile_comment_text_runs_no_script_and_is_shown_as_written(
        browser: Browser, served: Served) -> None:
    store = served.store()
    try:
        draft_id = add_draft(store, "x1", HOSTILE, author=BREAKOUT, platform="local",
                             video=RTL, reply=f"Thanks {BREAKOUT}")
        assert store.draft(draft_id).status == Status.PENDING
    finally:
        store.close()
    page = log_in(browser, served)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    for path in ("/", f"/drafts/{draft_id}"):
        page.goto(served.url + path)
        shown = page.locator(f"#draft-{draft_id}")
        assert shown.locator(".comment .text").inner_text() == HOSTILE
        assert shown.locator(".author bdi").inner_text() == BREAKOUT
        assert shown.locator("textarea").input_value() == f"Thanks {BREAKOUT}"
        assert shown.locator(".video bdi").inner_text() == RTL
        assert page.locator("script, svg, img").count() == 0
    assert dialogs == []
    page.close()
