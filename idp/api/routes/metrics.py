"""Operators' views: ``/metrics`` in the Prometheus text format (an admin key, or the
``api.metrics_token`` bearer token a scraper is given) and the admin dashboard page with
the KPIs over the last fortnight as inline SVG charts."""

from __future__ import annotations

import hmac
import math

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response
from fastapi.security import HTTPAuthorizationCredentials

from idp import metrics
from idp.api.deps import RecordsDep, SessionDep, SettingsDep, get_current_key
from idp.api.routes.pages import page_context, render
from idp.errors import ForbiddenError
from idp.permissions import ADMIN_ROLES
from idp.web.charts import Series, svg
from idp.web.i18n import messages

router = APIRouter(include_in_schema=False)

PROMETHEUS_TYPE = "text/plain; version=0.0.4; charset=utf-8"


@router.get("/metrics")
def prometheus(
    request: Request, session: SessionDep, settings: SettingsDep, records: RecordsDep
) -> Response:
    """Documents, pages, queue depth, straight-through rate, stage latencies and review
    times, for Prometheus to scrape."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    expected = settings.api.metrics_token
    allowed = bool(
        expected is not None and scheme.lower() == "bearer"
        and hmac.compare_digest(token.encode(), expected.get_secret_value().encode())
    )
    if not allowed:
        creds = (
            HTTPAuthorizationCredentials(scheme=scheme, credentials=token)
            if scheme.lower() == "bearer" and token else None
        )
        key = get_current_key(request, settings, session, creds)
        if key.role not in ADMIN_ROLES:
            raise ForbiddenError("/metrics needs an admin key or the metrics token")
    text = metrics.prometheus_text(metrics.collect(session, records))
    session.commit()
    return PlainTextResponse(text, media_type=PROMETHEUS_TYPE)


def _nan_to(value: float, unit_scale: float = 1.0) -> float:
    return value * unit_scale if not math.isnan(value) else math.nan


@router.get("/dashboard")
def dashboard(request: Request, session: SessionDep, records: RecordsDep) -> Response:
    """The admin dashboard: today's KPIs and charts of the last 14 days."""
    early, ctx, lang = page_context(request, session, ADMIN_ROLES)
    if early is not None:
        return early
    t = messages(lang)
    kpis = metrics.collect(session, records)
    days = metrics.daily(session, 14)
    session.commit()
    labels = [d.day.strftime("%d/%m") for d in days]
    charts = [
        Series("processed", t["chart_processed"], labels, [float(d.processed) for d in days]),
        Series("stp", t["chart_stp"], labels,
               [_nan_to(d.straight_through_rate, 100) for d in days], "line", "%"),
        Series("decision", t["chart_decision"], labels,
               [_nan_to(d.median_decision_seconds, 1 / 60) for d in days], "line", " min"),
        Series("corrections", t["chart_corrections"], labels,
               [float(d.corrections) for d in days]),
        Series("processing", t["chart_processing"], labels,
               [d.median_processing_seconds for d in days], "line", " s"),
    ]
    rows = [(t.get("kpi_" + name.replace(" ", "_").replace("-", "_"), name), value)
            for name, value in metrics.summary_rows(kpis)]
    return render(
        request, "dashboard.html", lang, kpis=rows,
        charts=[(c, svg(c), list(zip(c.labels, c.values, strict=True))) for c in charts],
        fmt=lambda v: "–" if math.isnan(v) else (f"{v:.0f}" if v >= 10 else f"{v:.1f}"),
        stages=sorted(
            (stage, metrics.quantile(v, 0.5), metrics.quantile(v, 0.9), len(v))
            for stage, v in kpis.stage_seconds.items()
        ),
        **ctx,
    )
