"""`/crm admin sla`: the SLA targets per priority, shown and changed (store/sla_policy.py), each
change kept in admin_change and listed under the targets."""
from __future__ import annotations

from handlers.blocks import fmt_datetime, mention
from handlers.context import Profile, crm_of
from handlers.i18n import ZH, lang, t
from store.db import transaction
from store.sla_policy import parse_change, policies, recent_changes, set_targets
from store.ticket_sla import Targets


def duration(minutes: int, loc: str) -> str:
    """90 -> 1小时30分钟 / 1h 30m."""
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    parts = [(days, "dur_days"), (hours, "dur_hours"), (mins, "dur_minutes")]
    sep = "" if lang(loc) == ZH else " "  # 1小时30分钟 / 1h 30m
    return sep.join(t(loc, key, n=n) for n, key in parts if n) or t(loc, "dur_minutes", n=0)


def _value(field: str, value: str, loc: str) -> str:
    if field == "business":
        return t(loc, "admin_sla_business" if value == "True" else "admin_sla_calendar")
    if field == "warn_pct":
        return f"{value}%"
    return duration(int(value), loc)


def _line(priority: str, x: Targets, loc: str) -> str:
    return t(loc, "admin_sla_line", priority=priority, response=duration(x.response_minutes, loc),
             resolution=duration(x.resolution_minutes, loc), clock=t(loc, "admin_sla_business" if x.business else "admin_sla_calendar"),
             warn=x.warn_pct, escalate=duration(x.escalate_after_minutes, loc))


def run_sla(*, context: dict, who: Profile, rest: str) -> str:
    crm = crm_of(context)
    loc = who.locale
    changed = None
    with transaction(crm.db) as session:
        if rest.strip():
            priority, changes = parse_change(rest)
            set_targets(session=session, by=who.user_id, priority=priority, changes=changes, now=crm.defaults.clock())
            changed = priority
        now_targets = policies(session=session)
        log = recent_changes(session=session)
    lines = [t(loc, "admin_sla_saved", priority=changed)] if changed else []
    lines += [t(loc, "admin_sla_header"), *(_line(p, x, loc) for p, x in now_targets.items()), t(loc, "admin_sla_how")]
    if log:
        lines.append(t(loc, "admin_sla_log_header"))
        lines += [t(loc, "admin_sla_log_line", when=fmt_datetime(c.at, who), user=mention(c.by), priority=c.setting.split(":", 1)[1],
                    field=t(loc, f"admin_sla_f_{c.field}"), old=_value(c.field, c.old or "", loc), new=_value(c.field, c.new or "", loc))
                  for c in log]
    return "\n".join(lines)
