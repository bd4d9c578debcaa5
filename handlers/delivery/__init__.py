"""The outbox sender (send.py: claim, render, group, pace), posting a message and recording what
Slack said (post.py), the kinds of alert it carries (kind.py), the scheduled jobs' bodies (jobs.py)
and the messages that carry several alerts (items.py)."""
