"""Prometheus metrics, one registry per app instance (README: Metrics lists them for Grafana).

- ack latency per surface: a Bolt middleware gives each request an `ack` that records the time
  from the middleware to the ack (HTTP and Socket Mode alike);
- Slack API errors by method and error: the Web clients the bot uses count what Slack refuses;
- alert delivery latency and job durations: observed by the scheduler (bot/scheduler.py);
- the outbox backlog: read from the database at each scrape, one aggregate query.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime, timezone

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from slack_bolt import Ack, BoltRequest, BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.exc import SQLAlchemyError

from handlers.delivery.post import METADATA_EVENT
from store import outbox
from store.db import SessionFactory

ACK_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0)
DELIVERY_BUCKETS = (1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 4 * 3600, 24 * 3600)
JOB_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)
_SURFACES = {"block_actions": "action", "interactive_message": "action", "view_submission": "view",
             "view_closed": "view", "block_suggestion": "options", "dialog_suggestion": "options",
             "event_callback": "event", "shortcut": "shortcut", "message_action": "shortcut"}


def surface_of(body: dict) -> str:
    if "command" in body:
        return "command"
    return _SURFACES.get(body.get("type", ""), "other")


class Metrics:
    def __init__(self, *, db: SessionFactory | None = None, clock: Callable[[], datetime] | None = None) -> None:
        """`db`: where the outbox gauges are read at scrape (None: no gauges). `clock`: now, for the gauges."""
        self.registry = CollectorRegistry(auto_describe=True)
        self.ack_seconds = Histogram("crm_ack_seconds", "Time from receiving a Slack request to its ack", ["surface"],
                                     buckets=ACK_BUCKETS, registry=self.registry)
        self.slack_api_errors = Counter("crm_slack_api_errors", "Slack Web API calls that failed", ["method", "error"],
                                        registry=self.registry)
        self.delivery_seconds = Histogram("crm_alert_delivery_seconds", "From an alert falling due to its post in Slack",
                                          buckets=DELIVERY_BUCKETS, registry=self.registry)
        self.job_seconds = Histogram("crm_job_duration_seconds", "How long a scheduled job ran", ["job"],
                                     buckets=JOB_BUCKETS, registry=self.registry)
        self._lock, self._just_posted = threading.Lock(), []
        if db is not None:
            self.registry.register(OutboxCollector(db, clock or (lambda: datetime.now(timezone.utc))))

    def _posted(self, ids: list[int], at: datetime) -> None:
        with self._lock:
            self._just_posted.extend((i, at) for i in ids)

    def observe_deliveries(self, db: SessionFactory) -> int:
        """Due -> posted for the alerts this process posted since the last call (the scheduler
        calls it after each tick); due is when the alert was queued. Returns how many."""
        with self._lock:
            posted, self._just_posted = self._just_posted, []
        if not posted:
            return 0
        try:
            with db() as session:
                queued = outbox.queued_at(session=session, outbox_ids=[i for i, _ in posted])
        except SQLAlchemyError:
            return 0  # the database is down: these go unmeasured, /readyz says why
        for outbox_id, at in posted:
            if outbox_id in queued:
                self.delivery_seconds.observe(max((at - queued[outbox_id]).total_seconds(), 0.0))
        return len(posted)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)

    def middleware(self, req: BoltRequest, resp: BoltResponse, next: Callable[[], None]) -> None:  # noqa: A002 - Bolt's name
        """Global Bolt middleware: time to ack per surface, and the listener's client counts Slack's errors."""
        req.context["ack"] = TimedAck(lambda seconds: self.ack_seconds.labels(surface_of(req.body)).observe(seconds))
        if req.context.get("client") is not None:
            req.context["client"] = self.metered(req.context["client"])
        next()

    def metered(self, client: WebClient) -> WebClient:
        """The same client (token, URL, timeout, retry handlers), counting failed calls here."""
        return MeteredClient(errors=self.slack_api_errors, token=client.token, base_url=client.base_url,
                             timeout=client.timeout, ssl=client.ssl, proxy=client.proxy, headers=client.headers,
                             team_id=client.default_params.get("team_id"), logger=client.logger,
                             retry_handlers=list(client.retry_handlers or []), posted=self._posted)


class TimedAck(Ack):
    """Bolt's ack, which reports the seconds since it was made the first time it is called."""

    def __init__(self, observe: Callable[[float], None]) -> None:
        super().__init__()
        self._started, self._observe = time.perf_counter(), observe

    def __call__(self, *args, **kwargs) -> BoltResponse:
        first = self.response is None
        response = super().__call__(*args, **kwargs)
        if first:
            self._observe(time.perf_counter() - self._started)
        return response


class MeteredClient(WebClient):
    def __init__(self, *, errors: Counter, posted: Callable[[list[int], datetime], None] | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self._errors, self._posted = errors, posted

    def api_call(self, api_method: str, **kwargs):
        try:
            response = super().api_call(api_method, **kwargs)
        except SlackApiError as e:
            status = getattr(e.response, "status_code", 200)
            data = e.response.data if isinstance(e.response.data, dict) else {}
            self._errors.labels(api_method, data.get("error") or f"http_{status}").inc()
            raise
        except (SlackClientError, OSError) as e:
            self._errors.labels(api_method, type(e).__name__).inc()
            raise
        if self._posted is not None and api_method == "chat.postMessage":
            ids = alert_ids(kwargs.get("json") or kwargs.get("params") or {})
            if ids:
                self._posted(ids, datetime.now(timezone.utc))
        return response


def alert_ids(args: dict) -> list[int]:
    """The outbox ids an alert post carries in its metadata (handlers/delivery.py tags each)."""
    meta = args.get("metadata") or {}
    if not isinstance(meta, dict) or meta.get("event_type") != METADATA_EVENT:
        return []
    return [int(x) for x in str((meta.get("event_payload") or {}).get("outbox", "")).split(",") if x.isdigit()]


class OutboxCollector:
    """crm_outbox_alerts{status} and crm_outbox_oldest_due_seconds, read at each scrape."""

    def __init__(self, db: SessionFactory, clock: Callable[[], datetime]) -> None:
        self.db, self.clock = db, clock

    def describe(self):
        return []  # nothing at registration: no query until the first scrape

    def collect(self):
        now = self.clock()
        try:
            with self.db() as session:
                backlog = outbox.backlog(session=session, now=now)
        except SQLAlchemyError:
            return  # the database is down: /readyz says so; the scrape still answers
        alerts = GaugeMetricFamily("crm_outbox_alerts", "Alerts in the outbox by status", labels=["status"])
        for status in ("pending", "sending", "failed"):
            alerts.add_metric([status], getattr(backlog, status))
        yield alerts
        age = (now - backlog.oldest_due).total_seconds() if backlog.oldest_due else 0.0
        yield GaugeMetricFamily("crm_outbox_oldest_due_seconds",
                                "How long the oldest pending alert has been due (0 when none is)", value=max(age, 0.0))
