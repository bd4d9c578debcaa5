"""The bodies of the scheduled jobs. `now` is a parameter: tests and `jobs --once --now` move it."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from slack_sdk import WebClient

from handlers.context import Defaults
from handlers.delivery.send import Pacer, deliver
from store.alert_kinds import ACTION_DUE
from store import outbox
from store.actions import mark_announced, to_announce
from store.db import SessionFactory, transaction
from store.digests import queue_due as queue_digests
from store.grading import cadence_sweep
from store.health_jobs import run_due as health_pass
from store.lifecycle import review_sweep
from store.reviews import queue_monthly
from store.tag_jobs import run_due as tags_pass
from store.ticket_sla import sweep_sla


@dataclass
class TickReport:
    queued: int
    sent: int
    retried: int
    failed: int
    skipped: int
    deferred: int = 0
    messages: int = 0
    sla_queued: int = 0
    actions_created: int = 0
    digests_queued: int = 0
    health_computed: int = 0   # customers whose health was recomputed (store/health_jobs.py)
    risk_queued: int = 0       # churn-risk pings queued
    tags_added: int = 0        # behaviour tags a rule gave (store/tag_jobs.py)
    tags_dropped: int = 0      # ... and took back
    summaries_queued: int = 0  # monthly maintenance summary DMs queued (store/reviews.py)

    def as_dict(self) -> dict:
        return asdict(self)


def queue_due_actions(*, db: SessionFactory, now: datetime) -> int:
    """Queue one alert per due action and due time. Safe to run twice, or on two replicas:
    the outbox key absorbs the second, and announce_at is cleared only if nobody moved it."""
    queued = 0
    with transaction(db) as session:
        for action in to_announce(session=session, now=now):
            queued += outbox.enqueue(session=session, kind=ACTION_DUE, subject=f"next_action:{action.id}",
                                     due_key=action.due_at.isoformat(), recipient=action.owner_id, now=now)
            mark_announced(session=session, action=action)
    return queued


def lifecycle_sweeps(*, db: SessionFactory, defaults: Defaults, now: datetime) -> int:
    """Follow-ups for customers beyond their grade's cadence, quarterly reviews of mature ones.
    Each creates next actions (at most one open per customer and origin, by a unique index); the
    announcement below treats them like any other."""
    with transaction(db) as session:
        made = cadence_sweep(session=session, now=now, cadence=defaults.cadence)
        made += review_sweep(session=session, now=now, limits=defaults.limits)
    return len(made)


def tick(*, client: WebClient, db: SessionFactory, defaults: Defaults, now: datetime, pacer: Pacer | None = None) -> TickReport:
    """Every job once, as of `now`; `pacer` spaces posts to one channel (a test passes a virtual clock's)."""
    created = lifecycle_sweeps(db=db, defaults=defaults, now=now)
    queued = queue_due_actions(db=db, now=now)
    sla_queued = sweep_sla(db=db, calendar=defaults.calendar, admins=defaults.admins, now=now)
    with transaction(db) as session:
        digests = queue_digests(session=session, now=now)
        summaries = queue_monthly(session=session, now=now, calendar=defaults.calendar, at=defaults.monthly_summary_at)
    health = health_pass(db=db, now=now, weights=defaults.health, cadence=defaults.cadence, calendar=defaults.calendar,
                         drop_points=defaults.risk_drop)
    tags = tags_pass(db=db, now=now, rules=defaults.tags, tz=defaults.calendar.tz)
    sent = deliver(client=client, db=db, defaults=defaults, now=now, pacer=pacer)
    return TickReport(queued=queued, sent=sent.sent, retried=sent.retried, failed=sent.failed, skipped=sent.skipped,
                      deferred=sent.deferred, messages=sent.messages, sla_queued=sla_queued, actions_created=created,
                      digests_queued=digests, health_computed=health.computed, risk_queued=health.queued,
                      tags_added=tags.added, tags_dropped=tags.dropped, summaries_queued=summaries)
