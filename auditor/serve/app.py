"""The workbench's routes (Starlette, pages rendered on the server with Jinja2, autoescape on).

Report content is untrusted: every page escapes it, the Content-Security-Policy allows no inline
script and nothing from elsewhere, every state change is a POST carrying a CSRF token (double
submit: a random cookie, SameSite=Strict, and the same value in the form).
"""
from __future__ import annotations

import csv
import hmac
import io
import math
import os
import secrets
import threading
from importlib import resources
from pathlib import Path
from typing import Optional
from urllib.parse import quote, unquote, urlencode

import jinja2
import yaml
from markupsafe import Markup
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from ..corpus import review
from ..corpus.export import DECISION_COLUMNS, decision_rows, decisions_xlsx
from ..corpus.store import DECISIONS, DISMISS_REASONS, SEVERITIES, Store
from ..write.html_report import TABLE_STYLE, report_tables
from ..write.rows_format import spreadsheet_safe
from . import views
from .intake import ACCEPTED, Intake, UploadLimits
from .memos import memo_bytes

HERE = Path(__file__).resolve().parent
WORDS: dict[str, dict[str, str]] = yaml.safe_load(
    resources.files(__package__).joinpath("words.yaml").read_text(encoding="utf-8"))
LANGS = tuple(WORDS)
CSRF_COOKIE = "auditor_csrf"
LANG_COOKIE = "auditor_lang"
REVIEWER_COOKIE = "auditor_reviewer"
PAGE_SIZE = 50
AGENCY_CHOICES = 300  # agency names offered while typing (the filter itself matches any part of a name)
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self';"
       " frame-ancestors 'none'; base-uri 'none'")


class Workbench:
    """The app's state: the store's path, one connection per thread, the intake of new reports."""

    def __init__(self, store_path: Path, limits: UploadLimits = UploadLimits()):
        self.store_path = Path(store_path)
        self.local = threading.local()
        self.intake = Intake(self.store_path, limits=limits)
        review.refresh(self.store())

    def store(self) -> Store:
        store = getattr(self.local, "store", None)
        if store is None:
            store = self.local.store = Store(self.store_path)
        return store

    def current(self) -> Store:
        """The store with every finding fingerprinted (another process may have added reports)."""
        store = self.store()
        if store.prints_behind():
            review.refresh(store)
        return store


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader(__package__, "templates"), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    env.filters["split_line"] = views.split_line
    return env


LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")


def allowed_hosts(host: str) -> Optional[list[str]]:
    """The Host headers the app answers: this machine's names when it listens on this machine (a web
    page elsewhere that rebinds its own name to 127.0.0.1 is refused); any when told to listen on
    every address; None means no check (tests)."""
    if host in ("0.0.0.0", "::", ""):
        return ["*"]
    return sorted(set(LOCAL_HOSTS) | {host})


def create_app(store_path, limits: UploadLimits = UploadLimits(), hosts: Optional[list[str]] = None) -> Starlette:
    bench = Workbench(Path(store_path), limits)
    templates = Jinja2Templates(env=_environment())

    # ------------------------------------------------------------ helpers

    def lang_of(request: Request) -> str:
        asked = request.query_params.get("lang")
        if asked in LANGS:
            return asked
        cookie = request.cookies.get(LANG_COOKIE)
        return cookie if cookie in LANGS else "zh"

    def csrf_of(request: Request) -> str:
        token = request.cookies.get(CSRF_COOKIE) or ""
        if len(token) == 43:
            return token
        if getattr(request.state, "new_csrf", None) is None:
            request.state.new_csrf = secrets.token_urlsafe(32)
        return request.state.new_csrf

    def page(request: Request, template: str, status_code: int = 200, **context) -> Response:
        lang = lang_of(request)
        words = WORDS[lang]
        context.update(request=request, lang=lang, t=words, csrf=csrf_of(request), severities=SEVERITIES,
                       other_lang=[x for x in LANGS if x != lang][0], path_with=path_with(request))
        response = templates.TemplateResponse(request, template, context, status_code=status_code)
        return finish(request, response)

    def finish(request: Request, response: Response) -> Response:
        new = getattr(request.state, "new_csrf", None)
        if new:
            response.set_cookie(CSRF_COOKIE, new, httponly=True, samesite="strict")
        asked = request.query_params.get("lang")
        if asked in LANGS and asked != request.cookies.get(LANG_COOKIE):
            response.set_cookie(LANG_COOKIE, asked, samesite="lax", max_age=3600 * 24 * 365)
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        return response

    def path_with(request: Request):
        def build(**changes) -> str:
            params = dict(request.query_params)
            params.pop("lang", None)
            for key, value in changes.items():
                if value in (None, ""):
                    params.pop(key, None)
                else:
                    params[key] = str(value)
            return request.url.path + ("?" + urlencode(params) if params else "")
        return build

    def refused(request: Request, key: str = "csrf_failed", status_code: int = 403) -> Response:
        return page(request, "message.html", status_code=status_code, message=WORDS[lang_of(request)][key])

    async def checked_form(request: Request, **limits):
        form = await request.form(**limits)
        cookie = request.cookies.get(CSRF_COOKIE) or ""
        given = form.get("csrf") or ""
        if not cookie or not isinstance(given, str) or not hmac.compare_digest(cookie, given):
            return None
        return form

    def back(url: str, request: Request) -> Response:
        return finish(request, RedirectResponse(url, status_code=303))

    # ------------------------------------------------------------ the reports list

    def reports_list(request: Request) -> Response:
        params = request.query_params
        try:
            year = int(params.get("year") or 0) or None
            number = max(1, int(params.get("page") or 1))
        except ValueError:
            return refused(request, "bad_request", 400)
        query = review.ListQuery(agency=params.get("agency", "").strip(), year=year, with_code=params.get("code", ""),
                                 status=params.get("status", ""), decision=params.get("decision", ""),
                                 search=params.get("q", "").strip(), sort=params.get("sort", "status"),
                                 descending=params.get("dir", "desc") != "asc", page=number, size=PAGE_SIZE)
        store = bench.current()
        rows, total = review.list_reports(store, query)
        pages = max(1, math.ceil(total / PAGE_SIZE))
        return page(request, "list.html", rows=rows, total=total, pages=pages, query=query,
                    agencies=review.agencies(store, limit=AGENCY_CHOICES), years=review.years(store), codes=review.codes(store),
                    statuses=review.STATUSES, decisions=review.DECISION_FILTERS, sorts=list(review.SORTS),
                    busy=bench.intake.busy())

    # ------------------------------------------------------------ adding reports

    def add_form(request: Request) -> Response:
        limits = bench.intake.limits
        return page(request, "add.html", file_mb=limits.file_bytes >> 20, upload_mb=limits.upload_bytes >> 20,
                    types=" ".join(sorted(ACCEPTED)), jobs=list(bench.intake.jobs.values())[::-1][:10])

    async def add_reports(request: Request) -> Response:
        limits = bench.intake.limits
        try:
            length = int(request.headers.get("content-length") or 0)
        except ValueError:
            length = 0
        if length > limits.upload_bytes + (1 << 20):
            return refused(request, "refused_too_large_upload", 413)
        form = await checked_form(request, max_files=limits.zip_members, max_fields=20)
        if form is None:
            return refused(request)
        job, folder = bench.intake.new_job()
        budget = [limits.upload_bytes]
        for upload in form.getlist("files"):
            if isinstance(upload, str) or not upload.filename:
                continue
            data = await upload.read(limits.upload_bytes + 1)
            bench.intake.add_upload(job, folder, upload.filename, data, budget)
        folder_path = form.get("folder")
        if isinstance(folder_path, str) and folder_path.strip():
            bench.intake.add_folder(job, folder_path.strip())
        bench.intake.submit(job)
        return back(f"/jobs/{job.id}", request)

    def job_page(request: Request) -> Response:
        job = bench.intake.jobs.get(request.path_params["job"])
        if job is None:
            return refused(request, "not_found", 404)
        return page(request, "job.html", job=job)

    # ------------------------------------------------------------ one report

    def report_page(request: Request) -> Response:
        view = views.load_view(bench.current(), request.path_params["report"])
        if view is None:
            return refused(request, "not_found", 404)
        lang = lang_of(request)
        sources = views.SourceLines()
        items = []
        order = sorted(enumerate(view.findings), key=lambda pair: (-pair[1]["finding"].severity.rank, pair[0]))
        store = bench.store()
        for index, item in order:
            finding = item["finding"]
            best, alternatives = views.suspects(finding)
            items.append({**item, "index": index, "relation": views.relation_words(finding, lang), "best": best,
                          "alternatives": alternatives, "evidence": views.evidence(finding, view.path, sources),
                          "other_cells": views.other_report_cells(finding, view.path),
                          "history": store.history(item["fingerprint"]) if item["fingerprint"] else []})
        tables = Markup(report_tables(views.in_language(view.result, lang), lang)) \
            if view.result.tables else ""  # html_report escapes what it draws
        return page(request, "report.html", view=view, items=items, tables=tables, decisions=DECISIONS,
                    reasons=DISMISS_REASONS, reviewer=unquote(request.cookies.get(REVIEWER_COOKIE, "")),
                    name=os.path.basename(view.path))

    def page_image(request: Request) -> Response:
        """A page of the report's file with one finding's boxes drawn."""
        report_id, page_number = request.path_params["report"], request.path_params["page"]
        try:
            finding_id = int(request.query_params.get("finding", ""))
        except ValueError:
            return refused(request, "bad_request", 400)
        store = bench.store()
        found = store.db.execute("SELECT r.path, f.message, f.cells, f.data FROM findings f JOIN reports r"
                                 " ON r.id = f.report_id WHERE f.id = ? AND r.id = ?", (finding_id, report_id)).fetchone()
        if found is None:
            return refused(request, "not_found", 404)
        finding = review.stored_finding(found[1], found[2], found[3])
        data = views.page_png(found[0], page_number, views.finding_boxes(finding, page_number))
        if data is None:
            return refused(request, "evidence_unreadable", 404)
        return finish(request, Response(data, media_type="image/png", headers={"Cache-Control": "no-store"}))

    async def decide(request: Request) -> Response:
        form = await checked_form(request)
        if form is None:
            return refused(request)
        fingerprint, decision = form.get("fingerprint", ""), form.get("decision", "")
        reason = form.get("reason") or None
        reviewer = str(form.get("reviewer", ""))[:100].strip()
        try:
            report_id = int(form.get("report", "0"))
            bench.store().decide(str(fingerprint), str(decision), reason, str(form.get("note", ""))[:2000], reviewer)
        except ValueError:
            return refused(request, "bad_request", 400)
        review.refresh(bench.store())
        response = back(f"/reports/{report_id}#f-{quote(str(form.get('anchor', '')))}", request)
        if reviewer:
            response.set_cookie(REVIEWER_COOKIE, quote(reviewer), samesite="strict", max_age=3600 * 24 * 365)
        return response

    async def change_state(request: Request) -> Response:
        form = await checked_form(request)
        if form is None:
            return refused(request)
        state = form.get("state")
        if state not in ("verified", "open"):
            return refused(request, "bad_request", 400)
        bench.store().set_state([str(form.get("fingerprint", ""))], str(state),
                                reviewer=str(form.get("reviewer", ""))[:100])
        return back(str(form.get("next", "/")) if str(form.get("next", "/")).startswith("/") else "/", request)

    # ------------------------------------------------------------ agencies, memos, export

    def agencies_page(request: Request) -> Response:
        counts = review.agency_counts(bench.store())
        chosen = request.query_params.get("agency", "")
        open_rows = review.review_rows(bench.store(), chosen, only_open=True) if chosen else []
        return page(request, "agencies.html", counts=counts, chosen=chosen, open_rows=open_rows,
                    message=request.query_params.get("message", ""))

    async def memo(request: Request) -> Response:
        form = await checked_form(request)
        if form is None:
            return refused(request)
        agency, fmt = str(form.get("agency", "")), str(form.get("format", "md"))
        if fmt not in ("md", "docx"):
            return refused(request, "bad_request", 400)
        store = bench.store()
        rows = review.review_rows(store, agency, only_open=True)
        if not rows:
            return refused(request, "memo_empty", 404)
        by_report: dict[int, set[str]] = {}
        for row in rows:
            by_report.setdefault(row["report_id"], set()).add(row["fingerprint"])
        results = []
        for report_id, prints in by_report.items():
            view = views.load_view(store, report_id)
            if view is not None:
                results.append(views.result_with(view, prints))
        data = memo_bytes(results, fmt, lang_of(request))
        store.set_state([row["fingerprint"] for row in rows], "sent", note=f"memo.{fmt}")
        media = "text/markdown; charset=utf-8" if fmt == "md" else \
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        name = f"memo-{agency}.{fmt}"
        response = Response(data, media_type=media, headers={
            "Content-Disposition": f"attachment; filename=\"memo.{fmt}\"; filename*=UTF-8''{quote(name)}"})
        return finish(request, response)

    def export_csv(request: Request) -> Response:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=DECISION_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows({k: spreadsheet_safe(v) for k, v in row.items()} for row in decision_rows(bench.store()))
        response = Response("\ufeff" + buffer.getvalue(), media_type="text/csv; charset=utf-8",
                            headers={"Content-Disposition": 'attachment; filename="decisions.csv"'})
        return finish(request, response)

    def export_xlsx(request: Request) -> Response:
        response = Response(decisions_xlsx(bench.store()),
                            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                            headers={"Content-Disposition": 'attachment; filename="decisions.xlsx"'})
        return finish(request, response)

    def table_style(request: Request) -> Response:
        return Response(TABLE_STYLE, media_type="text/css; charset=utf-8")

    routes = [
        Route("/", reports_list),
        Route("/report.css", table_style),
        Route("/add", add_form, methods=["GET"]),
        Route("/add", add_reports, methods=["POST"]),
        Route("/jobs/{job}", job_page),
        Route("/reports/{report:int}", report_page),
        Route("/reports/{report:int}/page/{page:int}.png", page_image),
        Route("/decide", decide, methods=["POST"]),
        Route("/state", change_state, methods=["POST"]),
        Route("/agencies", agencies_page),
        Route("/memo", memo, methods=["POST"]),
        Route("/export.csv", export_csv),
        Route("/export.xlsx", export_xlsx),
        Mount("/static", app=StaticFiles(directory=HERE / "static"), name="static"),
    ]
    middleware = [Middleware(TrustedHostMiddleware, allowed_hosts=hosts)] if hosts else []
    app = Starlette(routes=routes, middleware=middleware)
    app.state.bench = bench
    return app


def default_store() -> Path:
    """The store ``auditor serve`` opens when none is named: in the user's data folder."""
    from platformdirs import user_data_dir
    folder = Path(user_data_dir("auditor", appauthor=False))
    folder.mkdir(parents=True, exist_ok=True)
    return folder / "workbench.sqlite"


def serve(store_path: Optional[str], host: str = "127.0.0.1", port: int = 8000, echo=print) -> None:
    import uvicorn
    path = Path(store_path) if store_path else default_store()
    app = create_app(path, hosts=allowed_hosts(host))
    shown = f"[{host}]" if ":" in host else host
    echo(f"auditor serve: http://{shown}:{port}/  (store: {path})")
    if host not in ("127.0.0.1", "localhost", "::1"):
        echo(f"注意：监听 {host}，其他机器也能访问本工作台 / note: listening on {host}, other machines can reach it")
    uvicorn.run(app, host=host, port=port, log_level="warning")
