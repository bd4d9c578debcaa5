"""The CRM_* mini-languages (CRM_CADENCE_DAYS="A=7,B=14,C=30", CRM_TARGETS, CRM_CS_OWNER, ...): each
text read into the store's own dataclass, or a SettingValueError whose one sentence names the
variable and what it takes. bot/settings.py runs them as validators when the settings load."""
from __future__ import annotations

import re
from dataclasses import fields
from datetime import time, timedelta

from store.text import whole_number
from store.tuning import CARE_RULES, Cadence, CareRule, CsOwners, HealthWeights, MoneyDays, Targets, TierShares, TimeLimits, with_periods


class SettingValueError(ValueError):
    """A value refused in one sentence that names its variable: load_settings() says it as it is."""


def _pairs(text: str, sep: str = ","):
    """The `name=number` parts of a `sep`-separated list: (the part as written, the name, the number,
    or None when it is not a whole number in ASCII digits: '⑤'.isdigit() is true, int('⑤') fails)."""
    for part in filter(None, (p.strip() for p in text.split(sep))):
        name, _, number = (x.strip() for x in part.partition("="))
        yield part, name, whole_number(number)


def summary_time_of(text: str) -> time | None:
    """"09:00" -> 09:00; "off" (or anything but a 24-hour HH:MM) -> None."""
    m = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", (text or "").strip())
    return time(int(m.group(1)), int(m.group(2))) if m else None


def cadence_of(text: str) -> Cadence:
    """"A=7,B=14,C=30" -> Cadence; a grade left out keeps its default, 0 turns it off."""
    days = {}
    for part, grade, n in _pairs(text):
        if grade.upper() not in ("A", "B", "C") or n is None:
            raise SettingValueError(f"CRM_CADENCE_DAYS: {part!r} should look like A=7")
        days[grade.upper()] = timedelta(days=n) if n else None
    return Cadence(**days)


_LIMITS = {  # CRM_TIME_LIMITS name -> (TimeLimits field, unit)
    "first_contact": ("first_contact_working_days", "working days"),
    "needs_research": ("needs_research", "days"),
    "signing": ("signing", "days"),
    "satisfaction_check": ("satisfaction_check", "days"),
    "review": ("review_months", "months"),
    "win_back": ("win_back_months", "months"),
}


def limits_of(text: str) -> TimeLimits:
    """"first_contact=1,needs_research=14,..." -> TimeLimits (see Settings.crm_time_limits)."""
    values = {}
    for part, name, n in _pairs(text):
        if name not in _LIMITS or not n:
            raise SettingValueError(f"CRM_TIME_LIMITS: {part!r} should be one of {', '.join(_LIMITS)} = a whole number above 0")
        field, unit = _LIMITS[name]
        values[field] = timedelta(days=n) if unit == "days" else n
    return TimeLimits(**values)


_TARGETS = {  # CRM_TARGETS name -> Targets field
    "high_value_churn": "high_value_churn_max", "churn": "churn_max", "nps": "nps_min", "completion": "completion_min",
    "sla_response": "sla_response_min", "sla_resolution": "sla_resolution_min", "logged_late": "logged_late_max",
    "aov_growth_high": "aov_growth_high_min",
}


def targets_of(text: str) -> Targets:
    """"churn=10,nps=80,sla_response=none,..." -> Targets; any left out keep their default."""
    values: dict[str, float | None] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _, number = (x.strip() for x in part.partition("="))
        if name not in _TARGETS:
            raise SettingValueError(f"CRM_TARGETS: {part!r} should be one of {', '.join(_TARGETS)} = a number or none")
        if number.lower() in ("none", "off", ""):
            values[_TARGETS[name]] = None
            continue
        try:
            values[_TARGETS[name]] = float(number)
        except ValueError:
            raise SettingValueError(f"CRM_TARGETS: {part!r} should be one of {', '.join(_TARGETS)} = a number or none") from None
        if not -100 <= values[_TARGETS[name]] <= 100:
            raise SettingValueError(f"CRM_TARGETS: {part!r} is outside -100..100")
    return Targets(**values)


def health_of(text: str) -> HealthWeights:
    """"recency=30,nps=20,green_min=75,..." -> HealthWeights (whole numbers, 0 or more)."""
    names = {f.name for f in fields(HealthWeights)}
    values = {}
    for part, name, n in _pairs(text):
        if name not in names or n is None:
            raise SettingValueError(f"CRM_HEALTH_WEIGHTS: {part!r} should be one of {', '.join(sorted(names))} = a whole number")
        values[name] = n
    try:
        return HealthWeights(**values)
    except ValueError as e:
        raise SettingValueError(f"CRM_HEALTH_WEIGHTS: {e}") from None


def money_days_of(text: str) -> MoneyDays:
    """"ahead=3,escalate=7,renewal=60" -> MoneyDays (whole days; ahead may be 0, the others from 1)."""
    values = {}
    names = {f.name for f in fields(MoneyDays)}
    for part, name, n in _pairs(text):
        if name not in names or n is None or n > 3660 or (name != "ahead" and n == 0):
            raise SettingValueError(f"CRM_MONEY_DAYS: {part!r} should be ahead=0..3660, escalate=1..3660 or renewal=1..3660")
        values[name] = n
    return MoneyDays(**values)


def tiers_of(text: str) -> TierShares:
    """"high=20,medium=50" -> TierShares (percent of customers; together at most 100)."""
    values = {}
    for part, name, n in _pairs(text):
        if name not in ("high", "medium") or n is None:
            raise SettingValueError(f"CRM_VALUE_TIERS: {part!r} should be high or medium = a whole percent")
        values[name] = n
    try:
        return TierShares(**values)
    except ValueError as e:
        raise SettingValueError(f"CRM_VALUE_TIERS: {e}") from None


def tier_cadence_of(text: str) -> tuple[CareRule, ...]:
    """"high:call=30,visit=91;medium:touch=14;low:touch=91" -> the tier cadence's rules (whole days,
    0 turns a rule off); a tier or rule left out keeps its default (store/tier_cadence.py)."""
    rules = ", ".join(f"{r.tier}:{r.name}" for r in CARE_RULES)
    periods: dict[tuple[str, str], int] = {}
    for group in filter(None, (g.strip() for g in text.split(";"))):
        tier, colon, rest = (x.strip() for x in group.partition(":"))
        for part, name, n in _pairs(rest) if colon else [(group, group, None)]:
            if not colon or n is None or n > 3660 or (tier, name) not in {(r.tier, r.name) for r in CARE_RULES}:
                raise SettingValueError(f"CRM_TIER_CADENCE: {part!r} in {group!r} should be days 0..3660 of one of {rules}, "
                                        "e.g. high:call=30,visit=91;medium:touch=14")
            periods[(tier, name)] = n
    return with_periods(periods)


_USER = re.compile(r"[UW][A-Z0-9]{2,31}")


def cs_owners_of(text: str | None) -> CsOwners:
    """"U0CS001" (everyone's) or "U0MGR01:U0CS001,U0MGR02:U0CS002,*:U0CS009" (per manager's team, `*` the
    rest) -> CsOwners; empty: nobody."""
    text = (text or "").strip()
    if not text:
        return CsOwners()
    if ":" not in text:
        if not _USER.fullmatch(text):
            raise SettingValueError(f"CRM_CS_OWNER must be a Slack user ID such as U0123ABCD, not {text!r}")
        return CsOwners(default=text)
    default, teams = None, {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        manager, _, cs = (x.strip() for x in part.partition(":"))
        if not _USER.fullmatch(cs) or not (manager == "*" or _USER.fullmatch(manager)) or manager in teams or (manager == "*" and default):
            raise SettingValueError(f"CRM_CS_OWNER: {part!r} should be MANAGER:CS_OWNER as Slack user IDs (each manager once), "
                                    "or *:CS_OWNER for everyone else, e.g. U0MGR01:U0CS001,*:U0CS009")
        if manager == "*":
            default = cs
        else:
            teams[manager] = cs
    return CsOwners(default=default, by_manager=tuple(teams.items()))
