"""The approval page over plain HTTP: who may use it, forms that carry their CSRF token, the
login limit, cookies, escaping, and the actions reaching the same use cases as the CLI."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import httpx

from bot.app import App
from bot.domain import Status
from bot.web.auth import verify_password
from tests.e2e.harness import Sandbox, free_port
from tests.fakes.connector import FakeConnector
from tests.fakes.drafts import add_draft
from tests.fakes.openai_server import FakeOpenAI
from tests.web.conftest import PASSWORD, csrf_of, log_in

HOSTILE = '<script>alert("x")</script>'
BREAKOUT = '"><img src=x onerror=alert(1)>'
RTL = "nice video \u202egnp.exe"


def test_a_stranger_is_sent_to_the_login_and_cannot_act(site: str, web_app: App,
                                                       connector: FakeConnector) -> None:
    draft_id = add_draft(web_app, "q1", "What water temperature?")
    stranger = httpx.Client(base_url=site, timeout=10)
    page = stranger.get("/")
    assert page.status_code == 303 and page.headers["location"] == "/login"
    assert stranger.get(f"/drafts/{draft_id}").status_code == 303
    refused = stranger.post(f"/drafts/{draft_id}/approve", data={"csrf": "guess"})
    assert refused.status_code == 403
    assert web_app.store.draft(draft_id).status == Status.PENDING and connector.posted == []


def test_login_sets_a_fresh_strict_httponly_cookie(site: str) -> None:
    client = httpx.Client(base_url=site, timeout=10)
    page = client.get("/login")
    before = client.cookies["replybot_session"]
    wrong = client.post("/login", data={"csrf": csrf_of(page.text), "password": "nope"})
    assert wrong.status_code == 401 and "wrong password" in wrong.text
    answer = client.post("/login", data={"csrf": csrf_of(wrong.text), "password": PASSWORD})
    assert answer.status_code == 303
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "secure" not in cookie
    assert client.cookies["replybot_session"] != before  # no session fixation
    assert client.get("/").status_code == 200


def test_cookies_are_secure_behind_a_trusted_tls_proxy_only(site: str, web_app: App) -> None:
    proxied = httpx.Client(base_url=site, headers={"X-Forwarded-Proto": "https"}, timeout=10)
    assert "secure" in proxied.get("/login").headers["set-cookie"].lower()
    web_app.settings.web.trusted_proxies = []  # the same header from anyone else is ignored
    assert "secure" not in proxied.get("/login").headers["set-cookie"].lower()
    web_app.settings.web.secure_cookies = True
    assert "secure" in httpx.get(f"{site}/login").headers["set-cookie"].lower()


def test_a_form_without_the_sessions_csrf_token_is_refused(site: str, web_app: App,
                                                           connector: FakeConnector) -> None:
    draft_id = add_draft(web_app, "q1", "What water temperature?")
    client = log_in(site)
    other = log_in(site)
    for data in ({}, {"csrf": ""}, {"csrf": "forged"}, {"csrf": csrf_of(other.get("/").text)}):
        for action in ("approve", "reject"):
            answer = client.post(f"/drafts/{draft_id}/{action}", data=data)
            assert answer.status_code == 403, (action, data)
    assert web_app.store.draft(draft_id).status == Status.PENDING and connector.posted == []
    login_without = httpx.Client(base_url=site, timeout=10)
    login_without.get("/login")
    assert login_without.post("/login", data={"password": PASSWORD}).status_code == 403


def test_five_failed_logins_lock_out_that_client_for_the_window(site: str) -> None:
    proxy = {"X-Forwarded-For": "203.0.113.7"}  # the client the local proxy saw
    client = httpx.Client(base_url=site, headers=proxy, timeout=10)
    page = client.get("/login")
    for _ in range(5):
        page = client.post("/login", data={"csrf": csrf_of(page.text), "password": "guess"})
        assert page.status_code == 401
    locked = client.post("/login", data={"csrf": csrf_of(page.text), "password": PASSWORD})
    assert locked.status_code == 429 and 0 < int(locked.headers["retry-after"]) <= 900
    log_in(site, **{"X-Forwarded-For": "198.51.100.2"})  # another client is not locked out


def test_actions_go_through_the_use_cases_and_are_audited_as_the_web_user(
        site: str, web_app: App, connector: FakeConnector) -> None:
    approve = add_draft(web_app, "q1", "What water temperature?")
    edit = add_draft(web_app, "q2", "Which grinder?", reply="A Comandante. — Lina")
    reject = add_draft(web_app, "q3", "First!")
    client = log_in(site)
    token = csrf_of(client.get("/").text)
    client.post(f"/drafts/{approve}/approve",
                data={"csrf": token, "text": "Around 93 °C. — Lina", "next": "/"})
    client.post(f"/drafts/{edit}/approve", data={"csrf": token, "action": "save",
                                                 "text": "A hand grinder. — Lina"})
    done = client.post(f"/drafts/{reject}/reject", data={"csrf": token, "reason": "low effort",
                                                         "next": "//evil.example/"})
    assert done.headers["location"] == "/"  # never off the site
    store = web_app.store
    assert [p.text for p in connector.posted] == ["Around 93 °C. — Lina"]
    assert store.draft(edit).reply_text == "A hand grinder. — Lina"
    assert store.draft(edit).status == Status.PENDING
    assert store.draft(reject).status == Status.REJECTED
    assert store.draft(reject).reason == "rejected on the web: low effort"
    actors = {e.actor for d in (approve, edit, reject) for e in store.audit(draft_id=d)
              if e.actor != "pipeline"}
    assert actors == {"web:creator"}
    shown = client.get("/").text
    assert f"draft {reject}: rejected" in shown  # the outcome is shown once, on the next page
    assert f"draft {reject}: rejected" not in client.get("/").text


def test_a_flagged_comment_is_answered_with_the_persons_text(
        site: str, web_app: App, connector: FakeConnector) -> None:
    flagged = add_draft(web_app, "h1", "I feel awful today", status=Status.FLAGGED,
                        label="needs_human", reply=None)
    client = log_in(site)
    token = csrf_of(client.get("/").text)
    empty = client.post(f"/drafts/{flagged}/approve", data={"csrf": token, "text": ""})
    assert "flagged with no reply drafted" in client.get(empty.headers["location"]).text
    client.post(f"/drafts/{flagged}/approve",
                data={"csrf": token, "text": "I'm sorry, Sam. Talk to someone today. — Lina"})
    assert [p.text for p in connector.posted] == ["I'm sorry, Sam. Talk to someone today. — Lina"]
    assert web_app.store.draft(flagged).status == Status.POSTED
    trail = [(e.to_status, e.reason) for e in web_app.store.audit(draft_id=flagged)]
    assert ("approved", "approved with edits") in trail


def test_filters_by_platform_class_and_status(site: str, web_app: App) -> None:
    add_draft(web_app, "q1", "question on fake")
    add_draft(web_app, "r1", "request on other", platform="other", label="request")
    rejected = add_draft(web_app, "p1", "praise, rejected", label="praise")
    web_app.store.transition(rejected, Status.REJECTED, "no", "cli", from_=[Status.PENDING])
    client = log_in(site)

    def shown(query: str) -> list[bool]:
        page = client.get(f"/?{query}").text
        return [t in page for t in ("question on fake", "request on other", "praise, rejected")]

    assert shown("") == [True, True, False]
    assert shown("platform=other") == [False, True, False]
    assert shown("class=question") == [True, False, False]
    assert shown("status=rejected") == [False, False, True]
    assert shown("status=all&class=praise") == [False, False, True]


def test_the_queue_and_draft_pages_show_every_check_and_the_audit_trail(
        site: str, web_app: App) -> None:
    draft_id = add_draft(web_app, "q1", "What water temperature?")
    web_app.store.edit_text(draft_id, "Between 92 and 94 °C. — Lina", "cli")
    client = log_in(site)
    listed = client.get("/").text
    assert "question 91%, nearest 0.88" in listed and "<b>guard</b>" in listed
    page = client.get(f"/drafts/{draft_id}").text
    for text in ("question 91%, nearest 0.88", "policy.actions.question", "<b>guard</b>",
                 "<b>moderation</b>", "clear", "brewing.md", "V60 Basics", "Audit trail",
                 "pending → <b>pending</b>", "by <bdi class=\"actor\">cli</bdi>"):
        assert text in page, text
    assert client.get("/drafts/999").status_code == 404


def test_viewer_text_is_escaped_and_isolated(site: str, web_app: App) -> None:
    add_draft(web_app, "x1", HOSTILE, author=BREAKOUT, video=RTL, reply=f"Hi {BREAKOUT}")
    client = log_in(site)
    page = client.get("/")
    html = page.text
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in html
    assert f"<bdi>{RTL}</bdi>" in html  # an RTL override stays inside its own element
    assert "script-src" not in page.headers["content-security-policy"]  # default-src 'none'
    assert page.headers["content-security-policy"].startswith("default-src 'none'")
    assert page.headers["x-frame-options"] == "DENY"


def test_serve_init_prints_a_password_once_and_keeps_only_its_hash(tmp_path: Path) -> None:
    box = Sandbox(tmp_path, llm_url="http://127.0.0.1:9/v1")
    missing = box.cli("serve", check=False)
    assert missing.returncode == 2 and "replybot serve --init" in missing.stderr
    made = box.cli("serve", "--init")
    password = made.stdout.strip().splitlines()[-1]
    stored = (box.data / "web-password").read_text(encoding="utf-8")
    assert password not in stored and stored.startswith("scrypt$")
    assert verify_password(password, stored) and not verify_password("other", stored)
    assert stat.S_IMODE(os.stat(box.data / "web-password").st_mode) == 0o600
    again = box.cli("serve", "--init", check=False)
    assert again.returncode == 2 and "already holds a web password" in again.stderr
    assert password not in again.stdout + again.stderr


def test_the_daemon_serves_the_page_itself_when_enabled(tmp_path: Path,
                                                        fake_openai: FakeOpenAI) -> None:
    box = Sandbox(tmp_path, fake_openai.base_url)
    port = free_port()
    box.write_config(f"[web]\nenabled = true\nport = {port}\n")
    password = box.cli("serve", "--init").stdout.strip().splitlines()[-1]
    box.add_comments([{"id": "q1", "author": "Tom", "text": "What grind size for a V60?"}])
    daemon = box.daemon()
    try:
        daemon.wait_for(lambda: daemon.count("web page served") == 1
                        and daemon.count("cycle done") >= 1)
        client = log_in(f"http://127.0.0.1:{port}", password)
        page = client.get("/")
        [draft_id] = [int(x) for x in re.findall(r'id="draft-(\d+)"', page.text)]
        client.post(f"/drafts/{draft_id}/approve", data={"csrf": csrf_of(page.text)})
        daemon.wait_for(lambda: daemon.count("cycle done") >= 2)  # it keeps cycling
    finally:
        assert daemon.stop() == 0
    assert [r["comment_id"] for r in box.outbox_records()] == ["q1"]
    assert box.json("queue", "show", str(draft_id))["status"] == "posted"
