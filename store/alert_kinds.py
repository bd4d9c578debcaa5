"""The name of every kind of alert the outbox carries: the producer that queues one and the
renderer that draws it (a feature's handlers/<feature>/messages.py) import the same constant."""
from __future__ import annotations

ACTION_DUE = "action_due"            # a next action fell due (handlers/delivery/jobs.py queues it)
ACTION_ASSIGNED = "action_assigned"  # a next action was given to someone else
NPS_LOW = "nps_low"                  # a low NPS score, to the customer's owner
NPS_ESCALATION = "nps_escalation"    # a repeated detractor, to the manager and admins
SLA_WARN = "sla_warn"                # a ticket's SLA clock is about to run out (store/ticket_sla.py)
SLA_BREACH = "sla_breach"            # ... and ran out
SLA_ESCALATE = "sla_escalate"        # ... long enough to escalate
RISK_PING = "churn_risk"             # a customer's health dropped (store/health_jobs.py)
DIGEST = "digest"                    # a channel digest (store/digests.py), sent by its own sender
DIGEST_CHART = "digest_chart"        # the digest's charts, sent after it
PAYMENT_OVERDUE = "payment_overdue"    # an instalment was not paid by its due date, to the deal's owner (store/payment_jobs.py)
PAYMENT_ESCALATE = "payment_escalate"  # ... still unpaid some days later, to the owner's manager (or the admins)
MONTHLY_SUMMARY = "monthly_summary"    # a rep's monthly maintenance summary draft (store/reviews.py)
