"""Maintenance cadence by value tier (the multi-market template's 维护频次) for converted and mature
customers; leads and nurturing customers (and converted or mature ones without a tier) keep the grade
cadence (store/grading.py).

    tier     rule     way of contact          at least every     origin        next action
    high     call     phone                   30 days (a month)  care:call     高价值客户电话回访 / High-value call
    high     visit    visit                   91 days (quarter)  care:visit    高价值客户拜访 / High-value visit
    medium   touch    any                     14 days            care:touch    中价值客户维护 / Medium-value touch
    low      touch    any                     91 days (quarter)  care:touch    低价值客户维护 / Low-value touch

A customer whose latest interaction of the rule's ways is older than its period (days in the team's
zone, by the interaction's date; none at all counts from the day the customer was created) and that
has no pending action of the rule's origin, nor one made within the period, gets one for its owner,
due now. Actions are at most one pending per customer and origin (the partial unique index).
The periods are CRM_TIER_CADENCE's (bot/settings.py, `with_periods`); a rule set to 0 is off.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_
from sqlmodel import Session, select

from store.auto_actions import open_once
from store.models import PENDING_ACTION, Customer, Interaction, NextAction
from store.tuning import CARE_RULES, CareRule, with_periods

CARE_STAGES = ("converted", "mature")


def _due(rule: CareRule, now: datetime, tz: str):
    since_day = now.astimezone(ZoneInfo(tz)).date() - timedelta(days=rule.days)
    since = now - timedelta(days=rule.days)
    touched = select(Interaction.id).where(Interaction.customer_id == Customer.id, Interaction.occurred_on > since_day)
    if rule.ways:
        touched = touched.where(Interaction.way.in_(rule.ways))
    chased = select(NextAction.id).where(NextAction.customer_id == Customer.id, NextAction.origin == rule.origin,
                                         or_(NextAction.status.in_(PENDING_ACTION), NextAction.created_at >= since))
    return select(Customer.id, Customer.owner_id).where(
        Customer.stage.in_(CARE_STAGES), Customer.value_tier == rule.tier, Customer.created_at < since,
        ~touched.exists(), ~chased.exists())


def care_sweep(*, session: Session, now: datetime, tz: str, rules: tuple[CareRule, ...] = CARE_RULES,
               limit: int = 1000) -> list[NextAction]:
    """The maintenance actions that are due, oldest customers first; at most `limit` per rule and call."""
    made = []
    for rule in rules:
        for customer_id, owner_id in session.exec(_due(rule, now, tz).order_by(Customer.id).limit(limit)).all():
            action = open_once(session, customer_id=customer_id, owner_id=owner_id, origin=rule.origin, kind=rule.kind,
                               due_at=now, now=now)
            if action is not None:
                made.append(action)
    return made


def tier_cadence_applies():
    """The customers the tier cadence looks after (the grade cadence leaves them alone)."""
    return and_(Customer.stage.in_(CARE_STAGES), Customer.value_tier.is_not(None))


__all__ = ["CARE_RULES", "CareRule", "care_sweep", "tier_cadence_applies", "with_periods"]
