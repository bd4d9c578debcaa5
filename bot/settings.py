"""The one place that knows every environment variable (a `.env` file is read too); the CRM_*
mini-languages are read by bot/mini_languages.py."""
from __future__ import annotations

from datetime import time

from pydantic import ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.mini_languages import (SettingValueError, cadence_of, cs_owners_of, health_of, limits_of, money_days_of,
                                summary_time_of, targets_of, tier_cadence_of, tiers_of)
from store.errors import DomainError
from store.quiet import parse_window
from store.tuning import Cadence, CareRule, CsOwners, HealthWeights, MoneyDays, Targets, TierShares, TimeLimits

SLACK_API_DEFAULT = "https://slack.com/api/"


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

    @field_validator("crm_quiet_hours")
    @classmethod
    def _a_window(cls, value: str) -> str:
        """A window the delivery can read: before, a bad one meant no quiet hours for anybody, unsaid."""
        try:
            parse_window(value)
        except DomainError as e:
            why = {"err_quiet_clock": f"{e.params.get('time')} is not a time of day",
                   "err_quiet_empty": "it starts when it ends"}.get(e.key, "not two times of day")
            raise SettingValueError(f"CRM_QUIET_HOURS must be a window such as 21:00-08:00, or off, not {value!r} ({why})") from None
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
