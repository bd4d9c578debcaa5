"""The one place that knows every environment variable (a `.env` file is read too)."""
from __future__ import annotations

import re
from dataclasses import fields
from datetime import time, timedelta

from pydantic import ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from store.tuning import CARE_RULES, Cadence, CareRule, CsOwners, HealthWeights, MoneyDays, Targets, TierShares, TimeLimits, with_periods

SLACK_API_DEFAULT = "https://slack.com/api/"


class SettingValueError(ValueError):
    """A value refused in one sentence that names its variable: load_settings() says it as it is."""


# -- the CRM_* mini-languages ---------------------------------------------------------------------

def summary_time_of(text: str) -> time | None:
    """"09:00" -> 09:00; "off" (or anything but a 24-hour HH:MM) -> None."""
    m = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", (text or "").strip())
    return time(int(m.group(1)), int(m.group(2))) if m else None


def cadence_of(text: str) -> Cadence:
    """"A=7,B=14,C=30" -> Cadence; a grade left out keeps its default, 0 turns it off."""
    days = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        grade, _, number = part.partition("=")
        if grade.strip().upper() not in ("A", "B", "C") or not number.strip().isdigit():
            raise SettingValueError(f"CRM_CADENCE_DAYS: {part!r} should look like A=7")
        n = int(number)
        days[grade.strip().upper()] = timedelta(days=n) if n else None
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
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _, number = part.partition("=")
        if name.strip() not in _LIMITS or not number.strip().isdigit() or int(number) == 0:
            raise SettingValueError(f"CRM_TIME_LIMITS: {part!r} should be one of {', '.join(_LIMITS)} = a whole number above 0")
        field, unit = _LIMITS[name.strip()]
        values[field] = timedelta(days=int(number)) if unit == "days" else int(number)
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
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _, number = (x.strip() for x in part.partition("="))
        if name not in names or not number.isdigit():
            raise SettingValueError(f"CRM_HEALTH_WEIGHTS: {part!r} should be one of {', '.join(sorted(names))} = a whole number")
        values[name] = int(number)
    try:
        return HealthWeights(**values)
    except ValueError as e:
        raise SettingValueError(f"CRM_HEALTH_WEIGHTS: {e}") from None


def money_days_of(text: str) -> MoneyDays:
    """"ahead=3,escalate=7,renewal=60" -> MoneyDays (whole days; ahead may be 0, the others from 1)."""
    values = {}
    names = {f.name for f in fields(MoneyDays)}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _, number = (x.strip() for x in part.partition("="))
        if name not in names or not number.isdigit() or int(number) > 3660 or (name != "ahead" and int(number) == 0):
            raise SettingValueError(f"CRM_MONEY_DAYS: {part!r} should be ahead=0..3660, escalate=1..3660 or renewal=1..3660")
        values[name] = int(number)
    return MoneyDays(**values)


def tiers_of(text: str) -> TierShares:
    """"high=20,medium=50" -> TierShares (percent of customers; together at most 100)."""
    values = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _, number = (x.strip() for x in part.partition("="))
        if name not in ("high", "medium") or not number.isdigit():
            raise SettingValueError(f"CRM_VALUE_TIERS: {part!r} should be high or medium = a whole percent")
        values[name] = int(number)
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
        for part in filter(None, (p.strip() for p in rest.split(","))) if colon else [group]:
            name, _, number = (x.strip() for x in part.partition("="))
            if not colon or not number.isdigit() or int(number) > 3660 or (tier, name) not in {(r.tier, r.name) for r in CARE_RULES}:
                raise SettingValueError(f"CRM_TIER_CADENCE: {part!r} in {group!r} should be days 0..3660 of one of {rules}, "
                                        "e.g. high:call=30,visit=91;medium:touch=14")
            periods[(tier, name)] = int(number)
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


_PARSERS = {"crm_cadence_days": cadence_of, "crm_time_limits": limits_of, "crm_targets": targets_of,
            "crm_health_weights": health_of, "crm_money_days": money_days_of,
            "crm_value_tiers": tiers_of, "crm_tier_cadence": tier_cadence_of}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    slack_bot_token: str | None = None       # xoxb-…, OAuth & Permissions
    slack_signing_secret: str | None = None  # Basic Information -> App Credentials (HTTP mode)
    slack_app_token: str | None = None       # xapp-… with connections:write: Socket Mode when set
    slack_api_url: str = SLACK_API_DEFAULT   # Web API base URL (GovSlack: https://slack-gov.com/api/)
    database_url: str = "sqlite:///crm.db"
    port: int = 3000                         # HTTP: Slack's requests (HTTP mode), /healthz, /readyz, /metrics, the NPS webhook
    log_level: str = "INFO"                  # DEBUG, INFO, WARNING, ERROR
    log_format: str = "text"                 # "json": one JSON object per line, for log collectors
    shutdown_grace: float = 10.0             # seconds SIGTERM waits for posts in flight before handing claims back
    crm_default_tz: str = "Asia/Shanghai"
    crm_default_locale: str = "zh-CN"
    crm_admins: str = ""                     # Slack user IDs, comma-separated: admins from the start
    crm_team_tz: str | None = None           # the team calendar's zone (default CRM_DEFAULT_TZ)
    crm_business_hours: str = "09:00-18:00"
    crm_business_days: str = "1-5"           # ISO weekdays, 1 = Monday
    crm_holidays: str = "CN"                 # public holidays of this country (holidays package), or "none"
    crm_quiet_hours: str = "21:00-08:00"     # in each user's zone; "off" for none
    crm_nps_webhook_secret: str | None = None  # shared secret for POST /webhooks/nps
    crm_encryption_key: str | None = None    # phones and emails at rest; `python -m bot new-key` makes one
    crm_visibility: str = "team"             # what reps may read of others' customers: own | team | all
    crm_cadence_days: str = "A=7,B=14,C=30"  # follow-up cadence by grade, in days
    # lifecycle time limits: first contact (working days), needs research, signing, satisfaction
    # check (days), review, win-back (months); any left out keep their default
    crm_time_limits: str = "first_contact=1,needs_research=14,signing=7,satisfaction_check=7,review=3,win_back=1"
    # targets a digest marks as missed: percentages (NPS in points); "none" leaves one out
    crm_targets: str = ("high_value_churn=5,churn=10,nps=80,completion=90,sla_response=none,sla_resolution=none,"
                        "logged_late=10,aov_growth_high=12")
    # health score weights and thresholds (store/health_rules.py HealthWeights: names and reasons)
    crm_health_weights: str = ""
    crm_risk_drop_points: int = 15           # a fall of this many points within a week pings customer success
    crm_cs_owner: str | None = None          # customer-success owner of customers that convert without one: U… or MANAGER:CS,…,*:CS
    # money after signing (store/payment_jobs.py MoneyDays): an instalment's next action `ahead` days
    # before its due date, the owner's manager alerted `escalate` days after it, a renewal's next
    # action `renewal` days before the renewal date
    crm_money_days: str = "ahead=3,escalate=7,renewal=60"
    # value tiers from the yearly won amount (store/value_tiers.py): the top high % of customers, the next medium %
    crm_value_tiers: str = "high=20,medium=50"
    crm_tier_cadence: str = "high:call=30,visit=91;medium:touch=14;low:touch=91"  # maintenance by value tier, in days
    crm_long_cycle_days: int = 90            # nurturing longer than this tags a customer 决策周期长 / long decision cycle
    crm_monthly_summary: str = "09:00"       # when the monthly summary DMs go out on a month's first working day; "off"

    @property
    def admin_ids(self) -> frozenset[str]:
        return frozenset(x.strip() for x in self.crm_admins.split(",") if x.strip())

    @field_validator("port")
    @classmethod
    def _a_port(cls, value: int) -> int:
        if not 1 <= value <= 65535:
            raise ValueError("out of range")
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _trailing_slash(cls, value: str) -> str:
        return value if value.endswith("/") else value + "/"

    @field_validator("crm_cadence_days", "crm_time_limits", "crm_targets", "crm_health_weights", "crm_money_days",
                     "crm_value_tiers", "crm_tier_cadence")
    @classmethod
    def _a_mini_language(cls, value: str, info) -> str:
        """Each CRM_* mini-language is parsed once at load, so a bad one stops the bot with its sentence."""
        _PARSERS[info.field_name](value)
        return value

    @field_validator("crm_visibility")
    @classmethod
    def _a_visibility(cls, value: str) -> str:
        if value not in ("own", "team", "all"):
            raise SettingValueError(f"CRM_VISIBILITY must be own, team or all, not {value!r}")
        return value

    @field_validator("crm_cs_owner")
    @classmethod
    def _cs_owners(cls, value: str | None) -> str | None:
        value = (value or "").strip()
        cs_owners_of(value)
        return value or None

    @field_validator("crm_risk_drop_points")
    @classmethod
    def _a_drop(cls, value: int) -> int:
        if not 1 <= value <= 100:
            raise SettingValueError(f"CRM_RISK_DROP_POINTS must be between 1 and 100, not {value}")
        return value

    @field_validator("crm_long_cycle_days")
    @classmethod
    def _a_cycle(cls, value: int) -> int:
        if not 1 <= value <= 3650:
            raise SettingValueError(f"CRM_LONG_CYCLE_DAYS must be between 1 and 3650 days, not {value}")
        return value

    @field_validator("crm_monthly_summary")
    @classmethod
    def _a_summary_time(cls, value: str) -> str:
        if summary_time_of(value) is None and value.strip().lower() != "off":
            raise SettingValueError(f"CRM_MONTHLY_SUMMARY must be a time such as 09:00, or off, not {value!r}")
        return value

    @property
    def monthly_summary_at(self) -> time | None:
        return summary_time_of(self.crm_monthly_summary)

    @property
    def cadence(self) -> Cadence:
        return cadence_of(self.crm_cadence_days)

    @property
    def limits(self) -> TimeLimits:
        return limits_of(self.crm_time_limits)

    @property
    def targets(self) -> Targets:
        return targets_of(self.crm_targets)

    @property
    def health_weights(self) -> HealthWeights:
        return health_of(self.crm_health_weights)

    @property
    def money_days(self) -> MoneyDays:
        return money_days_of(self.crm_money_days)

    @property
    def tier_shares(self) -> TierShares:
        return tiers_of(self.crm_value_tiers)

    @property
    def cs_owners(self) -> CsOwners:
        return cs_owners_of(self.crm_cs_owner)

    @property
    def tier_cadence(self) -> tuple[CareRule, ...]:
        return tier_cadence_of(self.crm_tier_cadence)

    @property
    def socket_mode(self) -> bool:
        return bool(self.slack_app_token)

    def missing(self, *, serving: bool) -> list[str]:
        """Variables that must be set before the bot can talk to Slack."""
        missing = [] if self.slack_bot_token else ["SLACK_BOT_TOKEN"]
        if serving and not (self.slack_app_token or self.slack_signing_secret):
            missing.append("SLACK_APP_TOKEN (Socket Mode, as manifest.yml sets up) or SLACK_SIGNING_SECRET (HTTP mode)")
        return missing


class SettingsError(ValueError):
    """A variable that says something the bot cannot use; `python -m bot` prints it and exits 2."""


ACCEPTED = {"port": "a port number from 1 to 65535", "crm_risk_drop_points": "a whole number from 1 to 100",
            "crm_long_cycle_days": "a whole number of days from 1 to 3650"}


def load_settings() -> Settings:
    """Settings from the environment and .env, or SettingsError naming the variable and what it takes."""
    try:
        return Settings()
    except ValidationError as e:
        error = e.errors()[0]
        cause = (error.get("ctx") or {}).get("error")
        if isinstance(cause, SettingValueError):  # our own sentence, naming the variable
            raise SettingsError(str(cause)) from None
        field = str(error["loc"][0]) if error["loc"] else ""
        accepted = f"give {ACCEPTED[field]}" if field in ACCEPTED else error["msg"]
        raise SettingsError(f"{field.upper()}: {error.get('input')!r} is not accepted; {accepted}.") from None


KEY_HELP = """\
CRM_ENCRYPTION_KEY is not set, and this database ({db}) is shared by replicas: every replica
must use the same key, so none is made up here. Create one once and give it to each replica:
    python -m bot new-key
then set CRM_ENCRYPTION_KEY to what it printed (keep a copy: without it, stored phone numbers and
emails cannot be read)."""

MISSING_HELP = """\
Missing: {names}.
Create the Slack app from manifest.yml (https://api.slack.com/apps -> Create New App -> From a manifest,
paste manifest.yml), install it to your workspace, then set:
  SLACK_BOT_TOKEN       OAuth & Permissions -> Bot User OAuth Token (xoxb-...)
  SLACK_APP_TOKEN       Basic Information -> App-Level Tokens, scope connections:write (xapp-...): Socket Mode
  SLACK_SIGNING_SECRET  Basic Information -> Signing Secret: instead of SLACK_APP_TOKEN, for HTTP mode
in the environment or in a .env file in the current folder (see README.md)."""
