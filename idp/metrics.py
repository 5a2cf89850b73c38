"""Operators' numbers: throughput, straight-through rate, stage latencies, queue depth, time
to decision and review effort — as Prometheus text, as daily series for the dashboard, and
for ``idp report``.

Everything is read from the database (documents, review items, corrections) and, for
stage latencies, from the records of the most recent processed documents, so the numbers
are the same whichever process or machine answers and survive restarts. The Prometheus
text exposition format (0.0.4) is written here directly; it is a few lines of text and
``prometheus-client`` is not a dependency.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from idp.db.models import FINISHED_STATUSES, Document, DocumentStatus, as_utc, utcnow
from idp.errors import NotFoundError
from idp.review.models import ReviewCorrection, ReviewItem
from idp.storage import RecordStore

LATENCY_SAMPLE = 200
"""How many of the latest processed documents' records the stage latencies are read from."""
QUANTILES = (0.5, 0.9, 0.99)


def quantile(values: list[float], q: float) -> float:
    """The ``q`` quantile of ``values`` (nearest rank); NaN for none."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


@dataclass
class Kpis:
    """The numbers at one moment."""

    documents: dict[str, int] = field(default_factory=dict)
    """Documents by status."""
    pages: int = 0
    """Pages of processed documents."""
    straight_through: int = 0
    """Processed documents accepted without a person looking at them."""
    processed: int = 0
    """Documents processed (accepted, needs review or failed)."""
    decisions: dict[str, int] = field(default_factory=dict)
    """Review decisions by kind (approved, rejected)."""
    corrections: int = 0
    """Fields corrected in review."""
    stage_seconds: dict[str, list[float]] = field(default_factory=dict)
    """Each stage's durations over the latest processed documents."""
    processing_seconds: list[float] = field(default_factory=list)
    """Upload to processed, per document."""
    decision_seconds: list[float] = field(default_factory=list)
    """Processed to review decision, per reviewed document."""

    @property
    def straight_through_rate(self) -> float:
        """Share of processed documents that needed no review (NaN before any)."""
        return self.straight_through / self.processed if self.processed else math.nan

    @property
    def queue_depth(self) -> dict[str, int]:
        """Documents waiting: to be processed, and for review."""
        d = self.documents
        return {
            "processing": d.get("queued", 0) + d.get("processing", 0),
            "review": d.get("needs_review", 0),
        }

    @property
    def corrections_per_review(self) -> float:
        """Fields corrected per reviewed document (NaN before any decision)."""
        reviewed = sum(self.decisions.values())
        return self.corrections / reviewed if reviewed else math.nan


def _reviewed_ids(session: Session) -> set[str]:
    return set(session.scalars(select(ReviewItem.document_id)))


def collect(session: Session, records: RecordStore | None = None) -> Kpis:
    """The KPIs now (stage latencies only when ``records`` is given)."""
    k = Kpis()
    for status, count in session.execute(
        select(Document.status, func.count()).group_by(Document.status)
    ).all():
        k.documents[str(status)] = int(count)
    for s in DocumentStatus:
        k.documents.setdefault(s.value, 0)
    reviewed = _reviewed_ids(session)
    finished = session.execute(
        select(Document.id, Document.status, Document.pages, Document.created_at,
               Document.completed_at)
        .where(Document.status.in_(FINISHED_STATUSES))
    ).all()
    for doc_id, status, pages, created, completed in finished:
        k.processed += 1
        k.pages += int(pages or 0)
        if status == DocumentStatus.ACCEPTED.value and doc_id not in reviewed:
            k.straight_through += 1
        if created and completed:
            k.processing_seconds.append(_seconds(created, completed))
    for item, completed in session.execute(
        select(ReviewItem, Document.completed_at)
        .join(Document, Document.id == ReviewItem.document_id)
        .where(ReviewItem.decided_at.is_not(None))
    ).all():
        k.decisions[item.state] = k.decisions.get(item.state, 0) + 1
        if completed is not None:
            k.decision_seconds.append(_seconds(completed, item.decided_at))
    k.corrections = int(session.scalar(select(func.count()).select_from(ReviewCorrection)) or 0)
    if records is not None:
        k.stage_seconds = stage_latencies(session, records)
    return k


def stage_latencies(session: Session, records: RecordStore) -> dict[str, list[float]]:
    """Each stage's durations in the latest processed documents' records."""
    latest = session.scalars(
        select(Document.id).where(Document.status.in_(FINISHED_STATUSES))
        .order_by(Document.completed_at.desc()).limit(LATENCY_SAMPLE)
    ).all()
    out: dict[str, list[float]] = defaultdict(list)
    for doc_id in latest:
        try:
            timings = records.load(doc_id).timings
        except (NotFoundError, ValueError):
            continue
        for stage, seconds in timings.items():
            out[stage].append(float(seconds))
    return dict(out)


def _seconds(start: datetime, end: datetime | None) -> float:
    if end is None:
        return math.nan
    return max(0.0, (as_utc(end) - as_utc(start)).total_seconds())  # type: ignore[operator]


# --- Prometheus text exposition -----------------------------------------------------------

def _label_value(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value)) if not float(value).is_integer() else str(int(value))


class _Exposition:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def family(self, name: str, kind: str, help_text: str) -> None:
        self.lines.append(f"# HELP {name} {help_text}")
        self.lines.append(f"# TYPE {name} {kind}")

    def sample(self, name: str, value: float, **labels: str) -> None:
        if labels:
            inner = ",".join(f'{k}="{_label_value(v)}"' for k, v in labels.items())
            self.lines.append(f"{name}{{{inner}}} {_number(value)}")
        else:
            self.lines.append(f"{name} {_number(value)}")

    def summary(self, name: str, values: list[float], **labels: str) -> None:
        for q in QUANTILES:
            self.sample(name, quantile(values, q), **labels, quantile=str(q))
        self.sample(f"{name}_sum", sum(values), **labels)
        self.sample(f"{name}_count", len(values), **labels)


def prometheus_text(k: Kpis) -> str:
    """The KPIs in the Prometheus text format (version 0.0.4)."""
    e = _Exposition()
    e.family("idp_documents", "gauge", "Documents by status.")
    for status, count in sorted(k.documents.items()):
        e.sample("idp_documents", count, status=status)
    e.family("idp_documents_processed_total", "counter", "Documents processed so far.")
    e.sample("idp_documents_processed_total", k.processed)
    e.family("idp_pages_processed_total", "counter", "Pages of processed documents.")
    e.sample("idp_pages_processed_total", k.pages)
    e.family("idp_queue_depth", "gauge", "Documents waiting, by queue.")
    for queue, depth in k.queue_depth.items():
        e.sample("idp_queue_depth", depth, queue=queue)
    e.family("idp_straight_through_total", "counter",
             "Processed documents accepted without review.")
    e.sample("idp_straight_through_total", k.straight_through)
    e.family("idp_straight_through_ratio", "gauge",
             "Share of processed documents accepted without review.")
    e.sample("idp_straight_through_ratio", k.straight_through_rate)
    e.family("idp_stage_seconds", "summary",
             f"Stage durations over the latest {LATENCY_SAMPLE} processed documents.")
    for stage, values in sorted(k.stage_seconds.items()):
        e.summary("idp_stage_seconds", values, stage=stage)
    e.family("idp_processing_seconds", "summary", "Upload to processed, per document.")
    e.summary("idp_processing_seconds", k.processing_seconds)
    e.family("idp_review_decisions_total", "counter", "Review decisions by kind.")
    for kind in ("approved", "rejected"):
        e.sample("idp_review_decisions_total", k.decisions.get(kind, 0), decision=kind)
    e.family("idp_review_corrections_total", "counter", "Fields corrected in review.")
    e.sample("idp_review_corrections_total", k.corrections)
    e.family("idp_review_decision_seconds", "summary",
             "Processed to review decision, per reviewed document.")
    e.summary("idp_review_decision_seconds", k.decision_seconds)
    return "\n".join(e.lines) + "\n"


# --- over time, for the dashboard and the report ------------------------------------------

@dataclass
class Day:
    """One day's numbers (UTC)."""

    day: date
    processed: int = 0
    pages: int = 0
    straight_through: int = 0
    reviewed: int = 0
    corrections: int = 0
    processing_seconds: list[float] = field(default_factory=list)
    decision_seconds: list[float] = field(default_factory=list)

    @property
    def straight_through_rate(self) -> float:
        """Share of the day's processed documents that needed no review."""
        return self.straight_through / self.processed if self.processed else math.nan

    @property
    def median_decision_seconds(self) -> float:
        """Median time from processed to decision of the day's reviewed documents."""
        return quantile(self.decision_seconds, 0.5)

    @property
    def median_processing_seconds(self) -> float:
        """Median upload-to-processed time of the day's documents."""
        return quantile(self.processing_seconds, 0.5)


def daily(session: Session, days: int = 14, today: date | None = None) -> list[Day]:
    """The last ``days`` days, oldest first: documents by the day they were processed,
    decisions and corrections by the day they were made."""
    today = today or utcnow().date()
    first = today - timedelta(days=days - 1)
    out = {first + timedelta(days=i): Day(first + timedelta(days=i)) for i in range(days)}
    since = datetime.combine(first, datetime.min.time()).replace(tzinfo=utcnow().tzinfo)
    reviewed = _reviewed_ids(session)
    for doc_id, status, pages, created, completed in session.execute(
        select(Document.id, Document.status, Document.pages, Document.created_at,
               Document.completed_at)
        .where(Document.status.in_(FINISHED_STATUSES), Document.completed_at >= since)
    ).all():
        d = out.get(as_utc(completed).date())  # type: ignore[union-attr]
        if d is None:
            continue
        d.processed += 1
        d.pages += int(pages or 0)
        if status == DocumentStatus.ACCEPTED.value and doc_id not in reviewed:
            d.straight_through += 1
        d.processing_seconds.append(_seconds(created, completed))
    for decided, completed in session.execute(
        select(ReviewItem.decided_at, Document.completed_at)
        .join(Document, Document.id == ReviewItem.document_id)
        .where(ReviewItem.decided_at >= since)
    ).all():
        d = out.get(as_utc(decided).date())  # type: ignore[union-attr]
        if d is None:
            continue
        d.reviewed += 1
        if completed is not None:
            d.decision_seconds.append(_seconds(completed, decided))
    for (at,) in session.execute(
        select(ReviewCorrection.at).where(ReviewCorrection.at >= since)
    ).all():
        d = out.get(as_utc(at).date())  # type: ignore[union-attr]
        if d is not None:
            d.corrections += 1
    return list(out.values())


def summary_rows(k: Kpis) -> list[tuple[str, str]]:
    """The KPIs as (name, value) lines for people (report and dashboard)."""
    def pct(x: float) -> str:
        return "–" if math.isnan(x) else f"{x * 100:.0f}%"

    def secs(values: list[float]) -> str:
        return "–" if not values else f"{quantile(values, 0.5):.1f} s"

    return [
        ("documents processed", str(k.processed)),
        ("pages processed", str(k.pages)),
        ("straight-through rate", pct(k.straight_through_rate)),
        ("waiting to be processed", str(k.queue_depth["processing"])),
        ("waiting for review", str(k.queue_depth["review"])),
        ("failed", str(k.documents.get("failed", 0))),
        ("median processing time", secs(k.processing_seconds)),
        ("review decisions", str(sum(k.decisions.values()))),
        ("median time to decision", secs(k.decision_seconds)),
        ("corrections per reviewed document",
         "–" if math.isnan(k.corrections_per_review) else f"{k.corrections_per_review:.1f}"),
    ]


def as_json(k: Kpis, days: list[Day]) -> dict[str, Any]:
    """The KPIs and daily series as JSON (``idp report --json``)."""
    def num(x: float) -> float | None:
        return None if math.isnan(x) else round(x, 4)

    return {
        "documents": k.documents, "processed": k.processed, "pages": k.pages,
        "straight_through_rate": num(k.straight_through_rate), "queue_depth": k.queue_depth,
        "decisions": k.decisions, "corrections": k.corrections,
        "median_processing_seconds": num(quantile(k.processing_seconds, 0.5)),
        "median_decision_seconds": num(quantile(k.decision_seconds, 0.5)),
        "stage_seconds_p50": {s: num(quantile(v, 0.5)) for s, v in k.stage_seconds.items()},
        "daily": [
            {"day": d.day.isoformat(), "processed": d.processed, "pages": d.pages,
             "straight_through_rate": num(d.straight_through_rate), "reviewed": d.reviewed,
             "corrections": d.corrections,
             "median_decision_seconds": num(d.median_decision_seconds),
             "median_processing_seconds": num(d.median_processing_seconds)}
            for d in days
        ],
    }
