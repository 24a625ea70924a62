"""The approval page: routes over the queue's use cases, with login, CSRF and strict headers.

Every form carries the session's CSRF token; every action is audited as `web:<user>`; every
viewer-written text is escaped by Jinja2's autoescape and isolated from the page's direction.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from bot.app import App
from bot.domain import CLASSES, AuditEntry, DraftView, Status
from bot.errors import NotFound, ReplybotError
from bot.usecases import queue
from bot.web.auth import LoginLimiter, Session, Sessions, stored_hash, verify_password

HERE = Path(__file__).parent
COOKIE = "replybot_session"
STATUSES = ("waiting", *Status, "all")
HEADERS = {
    # no script at all: the page is plain forms, so none may run, whatever a comment holds
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}

Endpoint = Callable[[Request], Awaitable[Response]]


def checks(detail: dict[str, Any]) -> list[tuple[str, str, bool | None]]:
    """Every check the pipeline made, from a draft's first audit entry's detail (its decisions):
    (name, result, ok)."""
    found: list[tuple[str, str, bool | None]] = []
    triage = detail.get("triage") or {}
    if triage.get("label"):
        found.append(("triage", f"{triage['label']} — {triage.get('reason', '')}", None))
    classifier = triage.get("classifier")
    if classifier:
        found.append(("classifier", f"{classifier['label']} {classifier['confidence']:.0%}, "
                      f"nearest {classifier['similarity']:.2f}: {classifier['nearest']}", None))
    if "moderation" in triage:
        flagged = triage["moderation"]
        found.append(("moderation", ", ".join(flagged) or "clear", not flagged))
    if "moderation_error" in triage:
        found.append(("moderation", f"unavailable ({triage['moderation_error']})", None))
    policy = detail.get("policy")
    if policy:
        found.append(("policy", f"{policy['action']} ({policy['rule']})", None))
    guard = detail.get("guard")
    if guard:
        found.append(("guard", "pass" if guard["ok"] else "; ".join(guard["reasons"]),
                      bool(guard["ok"])))
    return found


class Web:
    """The page's state: the composed App, sessions, the login limit and the templates."""

    def __init__(self, parts: App) -> None:
        self.parts = parts
        cfg = parts.settings.web
        self.cfg = cfg
        self.password_hash = stored_hash(parts.settings)
        self.actor = f"web:{cfg.user}"
        self.sessions = Sessions(cfg.session_hours * 3600)
        self.limiter = LoginLimiter(cfg.login_attempts, cfg.login_window_s)
        self.templates = Environment(loader=FileSystemLoader(HERE / "templates"),
                                     autoescape=True, trim_blocks=True, lstrip_blocks=True)

    # -- plumbing -------------------------------------------------------------------------------

    def from_proxy(self, request: Request) -> bool:
        return request.client is not None and request.client.host in self.cfg.trusted_proxies

    def over_tls(self, request: Request) -> bool:
        if self.cfg.secure_cookies or request.url.scheme == "https":
            return True
        return self.from_proxy(request) and \
            request.headers.get("x-forwarded-proto", "").lower() == "https"

    def client(self, request: Request) -> str:
        """The client's address; behind a trusted proxy, the one the proxy saw (the last hop)."""
        forwarded = request.headers.get("x-forwarded-for")
        if forwarded and self.from_proxy(request):
            return forwarded.split(",")[-1].strip()
        return request.client.host if request.client else "unknown"

    def session(self, request: Request) -> Session | None:
        return self.sessions.get(request.cookies.get(COOKIE))

    def render(self, name: str, session: Session | None, code: int = 200,
               **context: Any) -> HTMLResponse:
        flash = session.flash[:] if session else []
        if session:
            session.flash.clear()
        html = self.templates.get_template(name).render(
            session=session, flash=flash, user=self.cfg.user, **context)
        return HTMLResponse(html, status_code=code, headers=HEADERS)

    def with_cookie(self, response: Response, session: Session, request: Request) -> Response:
        response.set_cookie(COOKIE, session.id, max_age=int(self.sessions.lifetime_s),
                            path="/", httponly=True, samesite="strict",
                            secure=self.over_tls(request))
        return response

    def redirect(self, url: str) -> RedirectResponse:
        return RedirectResponse(url, status_code=303, headers=HEADERS)

    # -- login ----------------------------------------------------------------------------------

    async def login_page(self, request: Request) -> Response:
        session = self.session(request)
        if session and session.user:
            return self.redirect("/")
        session = session or self.sessions.new()
        return self.with_cookie(self.render("login.html", session), session, request)

    async def login(self, request: Request) -> Response:
        client = self.client(request)
        wait = self.limiter.retry_after(client)
        if wait is not None:
            return PlainTextResponse("too many failed logins; try again later", 429,
                                     headers={**HEADERS, "Retry-After": str(int(wait) + 1)})
        form = await request.form()
        session = self.session(request)
        if session is None or not session.csrf_ok(_field(form, "csrf")):
            return PlainTextResponse("the form expired: reload the login page", 403,
                                     headers=HEADERS)
        password = _field(form, "password") or ""
        ok = await run_in_threadpool(verify_password, password, self.password_hash)
        if not ok:
            self.limiter.failed(client)
            session.flash.append(("error", "wrong password"))
            return self.render("login.html", session, code=401)
        self.limiter.succeeded(client)
        self.sessions.drop(session.id)  # a new id after login: a planted one is worthless
        fresh = self.sessions.new(self.cfg.user)
        return self.with_cookie(self.redirect("/"), fresh, request)

    async def logout(self, request: Request) -> Response:
        session = self.session(request)
        if session is not None and session.csrf_ok(_field(await request.form(), "csrf")):
            self.sessions.drop(session.id)
        return self.redirect("/login")

    # -- pages ----------------------------------------------------------------------------------

    async def queue_page(self, request: Request, session: Session) -> Response:
        params = request.query_params
        status = params.get("status", "waiting")
        platform = params.get("platform") or None
        label = params.get("class") or None
        limit = min(int(params.get("limit", "100") or 100), 1000)
        rows, counts = await run_in_threadpool(self._queue_rows, status, platform, label, limit)
        return self.render("queue.html", session, rows=rows, counts=counts, status=status,
                           platform=platform, label=label, statuses=STATUSES,
                           classes=[str(c) for c in CLASSES],
                           platforms=sorted(self.parts.connectors), here=request.url.path
                           + (f"?{request.url.query}" if request.url.query else ""))

    def _queue_rows(self, status: str, platform: str | None, label: str | None,
                    limit: int) -> tuple[list[dict[str, Any]], dict[str, int]]:
        store = self.parts.store
        drafts = queue.listing(store, status, limit, platform=platform)
        if label:  # the class is a presentation filter over the listing the CLI also uses
            drafts = [d for d in drafts if d.triage_label == label]
        decided = store.decisions([d.id for d in drafts])
        rows = [{"draft": d, "checks": checks(decided.get(d.id, {}))} for d in drafts]
        return rows, store.counts()

    async def draft_page(self, request: Request, session: Session) -> Response:
        draft_id = int(request.path_params["draft_id"])
        try:
            draft, audit = await run_in_threadpool(self._draft, draft_id)
        except NotFound as exc:
            return self.render("error.html", session, code=404, message=str(exc))
        return self.render("draft.html", session, draft=draft, audit=audit,
                           checks=checks(next((e.detail for e in audit if e.detail), {})),
                           here=f"/drafts/{draft_id}")

    def _draft(self, draft_id: int) -> tuple[DraftView, list[AuditEntry]]:
        store = self.parts.store
        return store.draft(draft_id), store.audit(draft_id=draft_id)

    # -- actions --------------------------------------------------------------------------------

    async def approve(self, request: Request, session: Session, form: Any) -> str:
        draft_id = int(request.path_params["draft_id"])
        text = _field(form, "text")
        text = None if text is None else text.replace("\r\n", "\n").strip()
        if _field(form, "action") == "save":
            await run_in_threadpool(queue.edit, self.parts, draft_id, text or "", self.actor)
            return f"draft {draft_id}: edit saved; it waits for approval"
        current = await run_in_threadpool(self.parts.store.draft, draft_id)
        # the text as shown, unchanged, is a plain approval; anything else is the person's edit
        given = None if text is None or text == (current.reply_text or "").strip() else text
        result = await run_in_threadpool(
            lambda: queue.approve(self.parts, draft_id, self.actor, text=given))
        return result.summary

    async def reject(self, request: Request, session: Session, form: Any) -> str:
        draft_id = int(request.path_params["draft_id"])
        reason = (_field(form, "reason") or "").strip() or "rejected"
        result = await run_in_threadpool(queue.reject, self.parts, draft_id, self.actor,
                                         f"rejected on the web: {reason}")
        return result.summary

    # -- guards ---------------------------------------------------------------------------------

    def page(self, handler: Callable[[Request, Session], Awaitable[Response]]) -> Endpoint:
        """A page for a logged-in person; anyone else is sent to the login."""
        async def endpoint(request: Request) -> Response:
            session = self.session(request)
            if session is None or session.user is None:
                return self.redirect("/login")
            return await handler(request, session)
        return endpoint

    def action(self, handler: Callable[[Request, Session, Any], Awaitable[str]]) -> Endpoint:
        """A form post: refused without a login or the session's CSRF token; the outcome is
        shown on the page the person came from."""
        async def endpoint(request: Request) -> Response:
            session = self.session(request)
            if session is None or session.user is None:
                return PlainTextResponse("log in first", 403, headers=HEADERS)
            form = await request.form()
            if not session.csrf_ok(_field(form, "csrf")):
                return PlainTextResponse("missing or wrong CSRF token: reload the page", 403,
                                         headers=HEADERS)
            try:
                session.flash.append(("ok", await handler(request, session, form)))
            except ReplybotError as exc:
                session.flash.append(("error", str(exc)))
            return self.redirect(_back(_field(form, "next")))
        return endpoint

    def routes(self) -> list[Route | Mount]:
        return [
            Route("/", self.page(self.queue_page)),
            Route("/drafts/{draft_id:int}", self.page(self.draft_page)),
            Route("/drafts/{draft_id:int}/approve", self.action(self.approve),
                  methods=["POST"]),
            Route("/drafts/{draft_id:int}/reject", self.action(self.reject), methods=["POST"]),
            Route("/login", self.login_page),
            Route("/login", self.login, methods=["POST"]),
            Route("/logout", self.logout, methods=["POST"]),
            Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
        ]


def _field(form: Any, name: str) -> str | None:
    value = form.get(name)
    return value if isinstance(value, str) else None


def _back(target: str | None) -> str:
    """Only a path on this site: an open redirect would let a link carry the person away."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def create_app(parts: App) -> Starlette:
    """The ASGI app over a composed App (`replybot serve`, or the daemon's own page)."""
    return Starlette(routes=Web(parts).routes())
