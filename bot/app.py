"""create_app(): the Bolt app with every listener, built from settings and a session factory."""
from __future__ import annotations

import json
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from slack_bolt import App, BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.alerts import alert_kinds
from bot.client import make_client
from bot.hooks import features_hooks
from bot.listeners import register as register_listeners
from bot.metrics import Metrics
from bot.settings import Settings, SettingsError
from bot.trust import slack_hosted
from handlers.context import CRM, Defaults, make_context_middleware
from handlers.i18n import t
from handlers.payload import MalformedPayload
from store.db import SessionFactory, locked
from store.behaviour_tags import TagRules
from store.privacy import Cipher
from store.sla import Calendar

log = logging.getLogger("crm")

def defaults_of(settings: Settings, cipher: Cipher | None = None) -> Defaults:
    try:
        return _defaults_of(settings, cipher)
    except ValueError as e:
        raise SettingsError(str(e)) from None


def _defaults_of(settings: Settings, cipher: Cipher | None) -> Defaults:
    country = None if settings.crm_holidays.strip().lower() in ("", "none", "off") else settings.crm_holidays.strip().upper()
    try:
        calendar = Calendar.parse(tz=settings.crm_team_tz or settings.crm_default_tz, hours=settings.crm_business_hours,
                                  days=settings.crm_business_days, country=country)
    except ValueError as e:
        raise ValueError(f"CRM_BUSINESS_HOURS / CRM_BUSINESS_DAYS / CRM_HOLIDAYS / CRM_TEAM_TZ: {e}") from None
    return Defaults(tz=settings.crm_default_tz, locale=settings.crm_default_locale, quiet_hours=settings.crm_quiet_hours,
                    admins=settings.admin_ids, calendar=calendar, visibility=settings.crm_visibility, cipher=cipher,
                    cadence=settings.cadence, limits=replace(settings.limits, calendar=calendar), targets=settings.targets, health=settings.health_weights,
                    risk_drop=settings.crm_risk_drop_points, cs_owner=settings.cs_owners, money=settings.money_days,
                    tiers=settings.tier_shares, care=settings.tier_cadence, tags=TagRules(long_cycle_days=settings.crm_long_cycle_days),
                    monthly_summary_at=settings.monthly_summary_at,
                    kinds=alert_kinds(), hooks=features_hooks())


VERIFIED = "crm_verified"


def _mark_verified(context, next) -> None:
    """Reached only past Bolt's signature check (or over Socket Mode's authenticated socket)."""
    context[VERIFIED] = True
    next()


def _tell_about_error(body: dict, respond, text: str, *, api_url: str) -> BoltResponse:
    """Never a 5xx for a signed request: the user reads what went wrong (on a modal's first field,
    or through the response_url when it is Slack's), the log has the traceback."""
    if body.get("type") == "view_submission":
        blocks = ((body.get("view") or {}).get("blocks")) or []
        field = next((b.get("block_id") for b in blocks if isinstance(b, dict) and b.get("type") == "input" and b.get("block_id")),
                     None)
        if isinstance(field, str):
            return BoltResponse(status=200, body=json.dumps({"response_action": "errors", "errors": {field: text}}),
                                headers={"content-type": "application/json"})
    url = body.get("response_url")
    if isinstance(url, str) and slack_hosted(url, api_url=api_url):
        try:
            respond(response_type="ephemeral", replace_original=False, text=text)
        except (SlackApiError, OSError):
            log.warning("could not tell the user about the error")
    elif url:
        log.warning("not telling the user: the response_url is not on Slack's hosts")
    return BoltResponse(status=200, body="")


def _no_wake() -> None:
    """No scheduler to wake: the next tick delivers."""


def create_app(settings: Settings, session_factory: SessionFactory, client: WebClient | None = None,
               executor: ThreadPoolExecutor | None = None, defaults: Defaults | None = None,
               metrics: Metrics | None = None, wake: Callable[[], None] | None = None) -> App:
    """`executor` runs listeners after their ack(); pass one to be able to drain it on shutdown.
    `defaults` as the runner built them (with the cipher); without, from settings and no cipher.
    `metrics`: time each ack and count Slack's errors (bot/metrics.py).
    `wake` runs the scheduler's tick now (bot/scheduler.Waker); without, queued alerts wait for the next tick."""
    app = App(
        client=client or make_client(settings),
        signing_secret=settings.slack_signing_secret or "",
        # auth.test once, here at start-up: Bolt keeps the result, so no request ever waits on it
        # (a command's first Slack call must be views.open).
        token_verification_enabled=True,
        listener_executor=executor or ThreadPoolExecutor(max_workers=16, thread_name_prefix="crm-listener"),
        name="crm",
    )
    app.use(_mark_verified)  # first of ours: Bolt's own middleware (its signature check) has run
    if metrics is not None:
        app.use(metrics.middleware)  # then the ack's timer: it includes the context's lookups
    app.use(make_context_middleware(session_factory, defaults or defaults_of(settings), wake or _no_wake))
    app.registered_commands = register_listeners(app)

    @app.error
    def on_error(error: Exception, body: dict, context: dict, respond) -> BoltResponse:
        if not context.get(VERIFIED):  # nothing from a request Slack did not sign is used, least of all its URL
            log.warning("unhandled error in an unverified request: %s", type(error).__name__)
            return BoltResponse(status=401, body="")
        crm = context.get(CRM)
        who = crm.who if crm else None
        locale = who.locale if who else settings.crm_default_locale
        if isinstance(error, MalformedPayload):  # not the shape the bot wrote (e.g. broken private_metadata): nothing
            # changed, and the user is told so instead of a modal that closes as if it had saved
            log.warning("malformed %s payload refused: %s", body.get("type") or body.get("command"), error)
            return _tell_about_error(body, respond, t(locale, "err_malformed"), api_url=settings.slack_api_url)
        if locked(error):
            # SQLite's one write lock held by another process past SERVE_BUSY_MS (a large import):
            # rolled back, nothing saved; the user is told why and to try again, within Slack's 3 s
            log.warning("%s refused: the database is locked by another process (an import?)", body.get("type") or body.get("command"))
            return _tell_about_error(body, respond, t(locale, "err_busy"), api_url=settings.slack_api_url)
        log.error("unhandled error in %s", body.get("type") or body.get("command"), exc_info=error)
        return _tell_about_error(body, respond, t(locale, "err_internal"), api_url=settings.slack_api_url)

    return app
