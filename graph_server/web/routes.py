"""Routes of the counter page and the dashboard (`web_router(ctx)`; one include in create_app).

    GET  /aanmelden                 sign-in form (API key)
    POST /aanmelden                 check the key, set the session cookie, go to the page asked for
    POST /afmelden                  end the session
    GET  /balie                     counter page            (capability "balie")
    POST /balie/api/vraag           ask a question           -> /ask response JSON
    POST /balie/api/doorverwijzen   escalate a question by hand
    GET  /balie/api/producten?q=    product titles for the autocomplete (public catalogue)
    GET  /balie/api/product/{id}    one product card (public catalogue)
    GET  /balie/api/dossier/{nr}    one dossier, as the signed-in principal
    GET  /dashboard                 indicators dashboard     (capability "management")
    GET  /web/static/{name}         the pages' CSS and script

Pages without a session redirect to the sign-in form; API calls without one get 401 JSON.
A session whose role lacks the capability gets 403 — and no data: every figure, lookup and
answer is computed as the session's principal, through the scope gate.
"""

from __future__ import annotations

import asyncio
import functools
import json
import time
from pathlib import Path
from urllib.parse import parse_qsl, quote

from fastapi import APIRouter
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response

from graph_server.limits import QueryTimeout, ServerBusy
from graph_server.scopes import ScopeRefused
from graph_server.sparql.http import HttpError, ServerContext, log, read_body
from graph_server.web.ask import AskBackend, AskUnavailable
from graph_server.web.indicators import REASON_NL, STATUS_NL, build_dashboard
from graph_server.web.lookups import MAX_INPUT, Lookups
from graph_server.web.questions import load_escalations, load_questions
from graph_server.web.session import COOKIE, Session, SessionManager, csrf_ok, same_origin
from graph_server.web.settings import COUNTER, MANAGEMENT, WebSettings, load_web_settings

HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE / "static"
STATIC_FILES = {
    "schakel-web.css": "text/css; charset=utf-8",
    "balie.js": "text/javascript; charset=utf-8",
    "dashboard.css": "text/css; charset=utf-8",
}
MAX_QUESTION = 1000
DASHBOARD_DAYS = (7, 30, 90, 365)

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
])
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}
PAGES = {COUNTER: "/balie", MANAGEMENT: "/dashboard"}


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(HERE / "templates")), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.globals["STATUS_NL"] = STATUS_NL
    return env


def _json_error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"fout": message}, status_code=status, headers={"X-Content-Type-Options": "nosniff"})


def _default_escalation_unit(config) -> str | None:
    """Where escalations of roles without `escalate_to` go ([nl2sparql.escalation] default_unit)."""
    try:
        from nl2sparql.settings import load_settings

        return load_settings(config).escalation.default_unit
    except Exception:  # noqa: BLE001 - the pipeline is optional for the pages
        return None


def web_router(ctx: ServerContext, *, settings: WebSettings | None = None, asker=None) -> APIRouter:
    """`asker`: a callable returning the app's shared Asker (built lazily by /ask)."""
    settings = settings or load_web_settings(ctx.config)
    sessions = SessionManager(ctx.config, ctx.authenticator.keys, settings.secret, settings.session_seconds)
    lookups = Lookups(ctx.config, ctx.gate)
    backend = AskBackend(ctx.config, ctx.gate, shared_asker=asker)
    default_unit = _default_escalation_unit(ctx.config)
    env = _environment()
    router = APIRouter(include_in_schema=False)
    city = ctx.config.city.name

    def render(request: Request, template: str, status: int = 200, session: Session | None = None,
               **values) -> HTMLResponse:
        nav = []
        if session is not None:
            nav = [{"href": PAGES[c], "label": {"balie": "Balie", "management": "Dashboard"}[c],
                    "current": request.url.path == PAGES[c]}
                   for c in (COUNTER, MANAGEMENT) if settings.allows(session.role, c)]
        root = str(request.scope.get("root_path") or "").rstrip("/")
        body = env.get_template(template).render(city=city, session=session, nav=nav, root=root, **values)
        return HTMLResponse(body, status_code=status, headers=PAGE_HEADERS)

    def signin_redirect(request: Request, target: str) -> RedirectResponse:
        return RedirectResponse(f"/aanmelden?volgende={quote(target)}", status_code=303)

    def page_session(request: Request, capability: str) -> Session | Response:
        session = sessions.current(request)
        if session is None:
            response = signin_redirect(request, request.url.path)
            if COOKIE in request.cookies:  # expired or revoked: drop the stale cookie
                sessions.clear_cookie(response, request)
            return response
        if not settings.allows(session.role, capability):
            return render(request, "geen_toegang.html", 403, session=session,
                          page={"balie": "de baliepagina", "management": "het dashboard"}[capability])
        return session

    def api_session(request: Request, *, write: bool = False) -> Session:
        session = sessions.current(request)
        if session is None:
            raise HttpError(401, "niet aangemeld of sessie verlopen")
        if not settings.allows(session.role, COUNTER):
            raise HttpError(403, "uw rol heeft geen toegang tot de baliepagina")
        if write and (not same_origin(request) or not csrf_ok(session, request.headers.get("x-csrf-token"))):
            raise HttpError(403, "ongeldig of ontbrekend CSRF-token; herlaad de pagina")
        wait = ctx.rate_limiter.allow(session.principal.name)
        if wait is not None:
            raise HttpError(429, f"te veel aanvragen; probeer opnieuw over {wait:.0f} s",
                            {"Retry-After": str(max(1, round(wait)))})
        return session

    def api(handler):
        @functools.wraps(handler)
        async def wrapped(request: Request, **kwargs) -> Response:
            try:
                return await handler(request, **kwargs)
            except HttpError as exc:
                response = _json_error(exc.status, exc.message)
                response.headers.update(exc.headers)
                return response
            except (QueryTimeout, ServerBusy) as exc:
                return _json_error(503, f"de server is even te druk of de vraag duurde te lang ({exc})")
            except ScopeRefused as exc:
                return _json_error(exc.status, exc.message)
        return wrapped

    async def run_query(fn):
        """A lookup through the gate, within the query time limit and concurrency slots."""
        return await ctx.runner.run(lambda deadline: fn())

    # sign-in -------------------------------------------------------------------------------
    def _next_page(value: str | None) -> str:
        return value if value in PAGES.values() else ""

    async def signin_form(request: Request) -> Response:
        session = sessions.current(request)
        target = _next_page(request.query_params.get("volgende"))
        if session is not None:
            allowed = [PAGES[c] for c in (COUNTER, MANAGEMENT) if settings.allows(session.role, c)]
            if target in allowed:
                return RedirectResponse(target, status_code=303)
        return render(request, "aanmelden.html", session=session, volgende=target, fout=None)

    async def signin(request: Request) -> Response:
        client = request.client.host if request.client else "?"
        wait = ctx.rate_limiter.allow(f"web-signin@{client}")
        if wait is not None:
            return render(request, "aanmelden.html", 429, volgende="",
                          fout=f"Te veel pogingen. Probeer opnieuw over {wait:.0f} seconden.")
        if not same_origin(request):
            return render(request, "aanmelden.html", 403, volgende="", fout="Aanmelden kan alleen vanaf deze pagina.")
        try:
            body = await read_body(request, 8192)
            form = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        except (HttpError, UnicodeDecodeError):
            form = {}
        target = _next_page(form.get("volgende"))
        started = time.perf_counter()
        result = await asyncio.to_thread(sessions.sign_in, form.get("sleutel", ""))
        duration = (time.perf_counter() - started) * 1000
        if result is None:
            ctx.audit.record(principal=f"web@{client}", role="-", operation="web-signin", outcome="refused",
                             status=401, duration_ms=duration)
            return render(request, "aanmelden.html", 401, volgende=target,
                          fout="Deze sleutel is onbekend, ingetrokken of verkeerd overgetypt.")
        value, session = result
        caps = settings.capabilities_of(session.role)
        if COUNTER not in caps and MANAGEMENT not in caps:
            ctx.audit.record(principal=session.principal.name, role=session.role, operation="web-signin",
                             outcome="no-capability", status=403, duration_ms=duration)
            return render(request, "aanmelden.html", 403, volgende=target,
                          fout=f"De rol ‘{session.role}’ heeft geen toegang tot de baliepagina of het dashboard.")
        ctx.audit.record(principal=session.principal.name, role=session.role, operation="web-signin",
                         outcome="ok", status=303, duration_ms=duration)
        if not target or not settings.allows(session.role, COUNTER if target == "/balie" else MANAGEMENT):
            target = PAGES[COUNTER] if COUNTER in caps else PAGES[MANAGEMENT]
        response = RedirectResponse(target, status_code=303)
        sessions.set_cookie(response, request, value)
        return response

    async def signout(request: Request) -> Response:
        session = sessions.current(request)
        try:
            body = await read_body(request, 4096)
            form = dict(parse_qsl(body.decode("utf-8")))
        except (HttpError, UnicodeDecodeError):
            form = {}
        if session is not None and (not same_origin(request) or not csrf_ok(session, form.get("csrf"))):
            return render(request, "geen_toegang.html", 403, session=session, page="afmelden zonder geldig formulier")
        response = RedirectResponse("/aanmelden?afgemeld=1", status_code=303)
        sessions.clear_cookie(response, request)
        return response

    # counter page -------------------------------------------------------------------------
    async def counter_page(request: Request) -> Response:
        session = page_session(request, COUNTER)
        if not isinstance(session, Session):
            return session
        if getattr(request.app.state, "schakel_web_asker", None) is None:
            backend.warm_up()  # load the question pipeline while the person types
        unit = ctx.config.roles[session.role].escalate_to or default_unit
        unit_label = await run_query(lambda: lookups.unit_label(unit)) if unit else None
        return render(request, "balie.html", session=session, escalate_to=unit_label or unit)

    async def read_question(request: Request, missing: str) -> tuple[dict, str]:
        """The JSON body of a question request and its question, trimmed (400 when absent)."""
        body = await read_body(request, 16384)
        try:
            payload = json.loads(body or b"{}")
        except json.JSONDecodeError:
            raise HttpError(400, "verwacht JSON: {\"question\": \"...\"}") from None
        question = payload.get("question") if isinstance(payload, dict) else None
        if not isinstance(question, str) or not question.strip():
            raise HttpError(400, missing)
        return payload, question.strip()[:MAX_QUESTION]

    @api
    async def ask(request: Request) -> Response:
        session = api_session(request, write=True)
        _, question = await read_question(request, "stel een vraag")
        override = getattr(request.app.state, "schakel_web_asker", None)
        started = time.perf_counter()
        try:
            if override is None:
                await asyncio.to_thread(backend.asker)  # the first call loads the model: outside the deadline
            answer = await ctx.runner.run(lambda deadline: backend.ask(session.principal, question,
                                                                       deadline=deadline, override=override))
        except AskUnavailable:
            raise HttpError(503, "de vraagdienst is op deze server nog niet beschikbaar") from None
        except (QueryTimeout, ServerBusy):
            ctx.audit.record(principal=session.principal.name, role=session.role, operation="web-ask",
                             outcome="timeout", status=503, duration_ms=(time.perf_counter() - started) * 1000)
            raise
        except Exception:
            log.exception("the question pipeline failed for %s", session.principal.name)
            raise HttpError(500, "de vraag kon niet verwerkt worden; de fout is gelogd") from None
        ctx.audit.record(principal=session.principal.name, role=session.role, operation="web-ask",
                         outcome=answer["status"], status=200, duration_ms=(time.perf_counter() - started) * 1000,
                         result_size=len(answer["rows"]), text=question)
        answer["question"] = question
        if answer.get("reason"):
            answer["reason_label"] = REASON_NL.get(answer["reason"], answer["reason"])
        if answer.get("escalation"):
            await run_query(lambda: _label_escalation(answer["escalation"]))
        return JSONResponse(answer)

    def _label_escalation(escalation: dict) -> dict:
        reason = escalation.get("reason")
        escalation["reason_label"] = REASON_NL.get(reason or "", reason)
        escalation["unit_label"] = lookups.unit_label(escalation.get("unit"))
        return escalation

    @api
    async def escalate(request: Request) -> Response:
        session = api_session(request, write=True)
        payload, question = await read_question(request, "welke vraag moet doorverwezen worden?")
        note = payload.get("note") if isinstance(payload.get("note"), str) else ""
        override = getattr(request.app.state, "schakel_web_escalator", None)
        started = time.perf_counter()
        try:
            record = await asyncio.to_thread(backend.escalate, session.principal, question,
                                             note.strip()[:MAX_QUESTION], override=override)
        except AskUnavailable:
            raise HttpError(503, "doorverwijzen is op deze server nog niet beschikbaar") from None
        ctx.audit.record(principal=session.principal.name, role=session.role, operation="web-escalate",
                         outcome="ok", status=200, duration_ms=(time.perf_counter() - started) * 1000, text=question)
        return JSONResponse(await run_query(lambda: _label_escalation(record)))

    @api
    async def products(request: Request) -> Response:
        api_session(request)
        q = request.query_params.get("q", "")[:MAX_INPUT]
        return JSONResponse({"producten": await run_query(lambda: lookups.suggest(q))})

    @api
    async def product(request: Request, product_id: str) -> Response:
        api_session(request)

        def find():
            found = lookups.product(product_id)
            if found is None:  # a typed title instead of a picked suggestion
                other = lookups.product_by_title(product_id)
                found = lookups.product(other) if other else None
            return found

        found = await run_query(find)
        if not found:
            raise HttpError(404, "geen product gevonden met die naam")
        return JSONResponse(found)

    @api
    async def dossier(request: Request, number: str) -> Response:
        session = api_session(request)
        found = await run_query(lambda: lookups.dossier(session.principal, number[:MAX_INPUT]))
        if not found:
            raise HttpError(404, "geen dossier gevonden met dat nummer (of uw rol ziet het niet)")
        return JSONResponse(found)

    # dashboard ----------------------------------------------------------------------------
    async def dashboard(request: Request) -> Response:
        session = page_session(request, MANAGEMENT)
        if not isinstance(session, Session):
            return session
        try:
            days = int(request.query_params.get("dagen", "90"))
        except ValueError:
            days = 90
        days = days if days in DASHBOARD_DAYS else 90

        def build():
            return build_dashboard(ctx.config, settings, ctx.gate, session.principal, load_questions(ctx.config),
                                   escalations=load_escalations(ctx.config), days=days)

        try:
            board = await ctx.runner.run(lambda deadline: build(), timeout=max(30.0, ctx.runner.timeout_seconds),
                                         kind="dashboard")
        except (QueryTimeout, ServerBusy) as exc:
            return render(request, "fout.html", 503, session=session, melding=f"Het dashboard kon niet berekend worden: {exc}")
        return render(request, "dashboard.html", session=session, board=board, days_options=DASHBOARD_DAYS)

    async def static(name: str) -> Response:
        media = STATIC_FILES.get(name)
        if media is None:
            return Response("not found\n", status_code=404, media_type="text/plain; charset=utf-8")
        return FileResponse(STATIC_DIR / name, media_type=media, headers={"X-Content-Type-Options": "nosniff"})

    router.add_api_route("/aanmelden", signin_form, methods=["GET"])
    router.add_api_route("/aanmelden", signin, methods=["POST"])
    router.add_api_route("/afmelden", signout, methods=["POST"])
    router.add_api_route("/balie", counter_page, methods=["GET"])
    router.add_api_route("/balie/api/vraag", ask, methods=["POST"])
    router.add_api_route("/balie/api/doorverwijzen", escalate, methods=["POST"])
    router.add_api_route("/balie/api/producten", products, methods=["GET"])
    router.add_api_route("/balie/api/product/{product_id}", product, methods=["GET"])
    router.add_api_route("/balie/api/dossier/{number}", dossier, methods=["GET"])
    router.add_api_route("/dashboard", dashboard, methods=["GET"])
    router.add_api_route("/web/static/{name}", static, methods=["GET"])
    return router
