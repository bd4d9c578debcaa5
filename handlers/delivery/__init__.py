"""The outbox sender (send.py), the kinds of alert it carries (kind.py), the scheduled jobs' bodies
(jobs.py) and the messages that carry several alerts (items.py)."""
