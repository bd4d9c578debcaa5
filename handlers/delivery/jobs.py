"""The bodies of the scheduled jobs. `now` is a parameter: tests and `jobs --once --now` move it."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from slack_sdk import WebClient

from handlers.context import Defaults
from handlers.delivery.post import Pacer
from handlers.delivery.send import Workers, deliver
from store.alert_kinds import ACTION_DUE
from store import outbox
from store.actions import claim_announcements
from store.db import SessionFactory, transaction
from store.digests import queue_due as queue_digests
from store.grading import cadence_sweep
from store.health_jobs import run_due as health_pass
from store.lifecycle import review_sweep
from store.payment_jobs import sweep_money
from store.tier_cadence import care_sweep
from store.value_tiers import run_nightly as tier_pass
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
    money_queued: int = 0      # overdue-payment alerts queued (store/payment_jobs.py; its next actions are in actions_created)
    tiers_changed: int = 0     # customers whose value tier the nightly pass changed (store/value_tiers.py)
    tags_added: int = 0        # behaviour tags a rule gave (store/tag_jobs.py)
    tags_dropped: int = 0      # ... and took back
    summaries_queued: int = 0  # monthly maintenance summary DMs queued (store/reviews.py)

    def as_dict(self) -> dict:
        return asdict(self)


# 10,000 a transaction: each batch selects and sorts what is left, so fewer batches read less (the rows
# it claims stay locked until its alerts are queued and committed)
QUEUE_BATCH = 10_000
QUEUE_BATCHES = 10  # 100,000 announcements in one sweep at most; the rest on the next


def queue_due_actions(*, db: SessionFactory, now: datetime) -> int:
    """Queue one alert per due action and due time, a batch per transaction (two statements
    each: claim-and-clear, then one insert), until none is left. Safe to run twice, or on two
    replicas: a claimed action is no longer due, and the outbox key absorbs a second queueing."""
    queued = 0
    for _ in range(QUEUE_BATCHES):
        with transaction(db) as session:
            due = claim_announcements(session=session, now=now, limit=QUEUE_BATCH)
            alerts = [outbox.Alert(kind=ACTION_DUE, subject=f"next_action:{aid}", due_key=due_at.isoformat(), recipient=owner)
                      for aid, due_at, owner in due]
            queued += outbox.enqueue_many(session=session, alerts=alerts, now=now)
        if len(due) < QUEUE_BATCH:
            break
    return queued


def lifecycle_sweeps(*, db: SessionFactory, defaults: Defaults, now: datetime) -> int:
    """Follow-ups for customers beyond their grade's cadence (converted and mature ones with a value
    tier: their tier's, store/tier_cadence.py), quarterly reviews of mature ones.
    Each creates next actions (at most one open per customer and origin, by a unique index); the
    announcement below treats them like any other."""
    with transaction(db) as session:
        made = cadence_sweep(session=session, now=now, cadence=defaults.cadence)
        made += review_sweep(session=session, now=now, limits=defaults.limits)
        made += care_sweep(session=session, now=now, tz=defaults.calendar.tz, rules=defaults.care)
    return len(made)


def tick(*, client: WebClient, db: SessionFactory, defaults: Defaults, now: datetime, pacer: Pacer | None = None,
         workers: Workers | None = None, token: str | None = None) -> TickReport:
    """Every job once, as of `now`; `pacer` spaces posts to one channel (a test passes a virtual clock's);
    `workers` (lent by bot/) serve recipients in parallel; `token` names the run's outbox claims."""
    created = lifecycle_sweeps(db=db, defaults=defaults, now=now)
    with transaction(db) as session:
        money = sweep_money(session=session, now=now, tz=defaults.calendar.tz, days=defaults.money, admins=defaults.admins)
    with transaction(db) as session:
        tiers = tier_pass(session=session, now=now, tz=defaults.calendar.tz, shares=defaults.tiers) or 0
    queued = queue_due_actions(db=db, now=now)
    sla_queued = sweep_sla(db=db, calendar=defaults.calendar, admins=defaults.admins, now=now)
    with transaction(db) as session:
        digests = queue_digests(session=session, now=now)
        summaries = queue_monthly(session=session, now=now, calendar=defaults.calendar, at=defaults.monthly_summary_at)
    health = health_pass(db=db, now=now, weights=defaults.health, cadence=defaults.cadence, calendar=defaults.calendar,
                         drop_points=defaults.risk_drop)
    tags = tags_pass(db=db, now=now, rules=defaults.tags, tz=defaults.calendar.tz)
    sent = deliver(client=client, db=db, defaults=defaults, now=now, pacer=pacer, workers=workers, token=token)
    return TickReport(queued=queued, sent=sent.sent, retried=sent.retried, failed=sent.failed, skipped=sent.skipped,
                      deferred=sent.deferred, messages=sent.messages, sla_queued=sla_queued, actions_created=created + money.actions,
                      digests_queued=digests, health_computed=health.computed, risk_queued=health.queued,
                      money_queued=money.alerts, tiers_changed=tiers, tags_added=tags.added, tags_dropped=tags.dropped,
                      summaries_queued=summaries)
