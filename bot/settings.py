"""The one place that knows every environment variable (a `.env` file is read too)."""
from __future__ import annotations

from pydantic import ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SLACK_API_DEFAULT = "https://slack.com/api/"


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
    crm_targets: str = "high_value_churn=5,churn=10,nps=80,completion=90,sla_response=none,sla_resolution=none"
    # health score weights and thresholds (store/health_rules.py HealthWeights: names and reasons)
    crm_health_weights: str = ""
    crm_risk_drop_points: int = 15           # a fall of this many points within a week pings customer success

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


ACCEPTED = {"port": "a port number from 1 to 65535", "crm_risk_drop_points": "a whole number from 1 to 100"}


def load_settings() -> Settings:
    """Settings from the environment and .env, or SettingsError naming the variable and what it takes."""
    try:
        return Settings()
    except ValidationError as e:
        error = e.errors()[0]
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
