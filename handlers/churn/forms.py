"""The churn, win-back plan, close and retention modals: their blocks, what a submitted (or
dispatched) view holds, the plan it asks for, refusals in the reader's words; and the customer
card's churn part (the case, the plan, the buttons)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlmodel import Session

from handlers import ids
from handlers.blocks import clip, datepicker, escape, fmt_date, fmt_datetime, input_block, mention, modal, option, plain, section, text_input, vocab
from handlers.context import Profile
from handlers.hooks import CardPart
from handlers.refs import customer_ref
from handlers.i18n import CATALOG, t
from handlers.payload import options_of, user_of
from handlers.forms import picked, picked_date, typed
from store.errors import DomainError, FieldErrors
from store.lifecycle import NEXT_STAGES
from store.models import ChurnCase, Customer, WinbackPlan
from store.permissions import Viewer, can_edit
from store.retention import current_case
from store.users import manager_of
from store.winback import ACTIONS, CHURNED, HIGH_VALUE, LESSONS_MAX, NOTE_MAX, OUTCOMES, REASONS, PlanRequest, plan_of

PLAN_DAYS = 14          # a new plan's deadline: two weeks on
DUE_AT = time(9)        # a deadline day is due at 09:00 in the user's zone (a date alone means 09:00)
LESSONS_SHOWN = 300     # of the lessons, on the card


# -- what a modal holds ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Form:
    reason: str | None = None
    recoverable: str | None = None  # ids.CHURN_YES | ids.CHURN_NO
    lessons: str = ""
    owner: str | None = None
    actions: tuple[str, ...] = ()
    deadline: date | None = None
    note: str = ""
    outcome: str | None = None
    closing_lessons: str = ""


def form_of(values: dict) -> Form:
    """A view's state (record_forms.state: action_id -> value) as a Form."""
    return Form(reason=picked(values, ids.CHURN_REASON), recoverable=picked(values, ids.CHURN_RECOVERABLE),
                lessons=typed(values, ids.CHURN_LESSONS), owner=user_of(values.get(ids.WINBACK_OWNER) or {}),
                actions=options_of(values.get(ids.WINBACK_ACTIONS) or {}), deadline=picked_date(values, ids.WINBACK_DEADLINE),
                note=typed(values, ids.WINBACK_NOTE), outcome=picked(values, ids.WINBACK_OUTCOME),
                closing_lessons=typed(values, ids.WINBACK_LESSONS))


def deadline_at(day: date, profile: Profile) -> datetime:
    return datetime.combine(day, DUE_AT, tzinfo=profile.zone)


def plan_request(form: Form, profile: Profile) -> PlanRequest:
    if form.deadline is None:
        raise DomainError("winback_err_deadline_missing", field="deadline")
    return PlanRequest(actions=form.actions, deadline=deadline_at(form.deadline, profile), owner_id=form.owner, note=form.note)


def wants_plan(form: Form) -> bool:
    """In the churn modal the plan is optional (but for a high-value customer): asked for by an
    action or a note."""
    return form.recoverable == ids.CHURN_YES and bool(form.actions or form.note.strip())


# -- words ---------------------------------------------------------------------------------------

def label(loc: str, kind: str, code: str | None) -> str:
    """A reason, action or outcome code in the reader's language."""
    key = f"winback_{kind}_{code}"
    return t(loc, key) if key in CATALOG else escape(code or "")


def labels(loc: str, kind: str, codes) -> str:
    return t(loc, "lc_list_sep").join(label(loc, kind, code) for code in codes)


def stage_of(loc: str, customer: Customer) -> str:
    return t(loc, "lc_stage_status", stage=vocab(loc, "stage", customer.stage), status=vocab(loc, "status", customer.status))


def plan_lines(plan: WinbackPlan, profile: Profile) -> list[str]:
    loc = profile.locale
    lines = [t(loc, "winback_plan_line", owner=mention(plan.owner_id), actions=labels(loc, "action", plan.actions),
               deadline=fmt_datetime(plan.deadline, profile))]
    if plan.note:
        lines.append(t(loc, "winback_note_line", note=escape(clip(plan.note, 500))))
    return lines


def case_line(case: ChurnCase, customer: Customer, profile: Profile) -> str:
    return t(profile.locale, "winback_case", customer=customer_ref(profile.locale, customer),
             date=fmt_date(case.at.astimezone(profile.zone).date(), profile), reason=label(profile.locale, "reason", case.reason))


def shown(error: DomainError, profile: Profile) -> DomainError:
    """The refusal with its codes and instants in the reader's words (the latest deadline, an outcome)."""
    def one(e: DomainError) -> DomainError:
        params = dict(e.params)
        if isinstance(params.get("latest"), str):
            latest = datetime.fromisoformat(params["latest"]).astimezone(profile.zone)
            params["latest"] = fmt_date(latest.date(), profile)
        if "outcome" in params:
            params["outcome"] = label(profile.locale, "outcome", params["outcome"])
        return DomainError(e.key, field=e.field, **params)

    if isinstance(error, FieldErrors):
        return FieldErrors([one(e) for e in error.errors])
    return one(error)


# -- the modals ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Target:
    """The customer a churn or plan modal is about, and who owns a plan by default."""
    customer: Customer
    plan_owner: str


def target_of(session: Session, customer: Customer) -> Target:
    """Indexed lookups only: safe before views.open."""
    return Target(customer=customer, plan_owner=manager_of(session=session, user_id=customer.owner_id) or customer.owner_id)


def _choice(kind: str, action_id: str, options: list[dict], initial: str | None) -> dict:
    element = {"type": kind, "action_id": action_id, "options": options}
    chosen = next((o for o in options if o["value"] == initial), None)
    if chosen is not None:
        element["initial_option"] = chosen
    return element


def plan_blocks(profile: Profile, target: Target, form: Form, *, required: bool, now: datetime) -> list[dict]:
    """Owner, actions, deadline (two weeks from `now` in the user's zone unless chosen), note."""
    loc = profile.locale
    deadline = form.deadline or now.astimezone(profile.zone).date() + timedelta(days=PLAN_DAYS)
    actions = [option(label(loc, "action", a), a) for a in ACTIONS]
    boxes = {"type": "checkboxes", "action_id": ids.WINBACK_ACTIONS, "options": actions}
    if form.actions:
        boxes["initial_options"] = [o for o in actions if o["value"] in form.actions]
    return [
        input_block(ids.WINBACK_OWNER_BLOCK, t(loc, "winback_f_owner"),
            {"type": "users_select", "action_id": ids.WINBACK_OWNER, "initial_user": form.owner or target.plan_owner},
            hint=t(loc, "winback_f_owner_hint")),
        input_block(ids.WINBACK_ACTIONS_BLOCK, t(loc, "winback_f_actions"), boxes, optional=not required),
        input_block(ids.WINBACK_DEADLINE_BLOCK, t(loc, "winback_f_deadline"), datepicker(ids.WINBACK_DEADLINE, initial=deadline),
            hint=t(loc, "winback_f_deadline_hint")),
        input_block(ids.WINBACK_NOTE_BLOCK, t(loc, "winback_f_note"), text_input(ids.WINBACK_NOTE, limit=NOTE_MAX, initial=form.note,
                                                                         multiline=True), optional=True),
    ]


def _modal(callback_id: str, title_key: str, loc: str, blocks: list[dict], meta: dict) -> dict:
    return modal(callback_id=callback_id, title=t(loc, title_key), submit=t(loc, "save"), close=t(loc, "cancel"),
                 blocks=blocks, metadata=meta)


def churn_view(profile: Profile, target: Target, meta: dict, form: Form = Form(), *, now: datetime) -> dict:
    """Reason, recoverable (choosing redraws the modal), lessons; the plan when recoverable."""
    loc, customer = profile.locale, target.customer
    reasons = [option(label(loc, "reason", r), r) for r in REASONS]
    answers = [option(t(loc, "churn_yes"), ids.CHURN_YES), option(t(loc, "churn_no"), ids.CHURN_NO)]
    blocks = [
        section(t(loc, "churn_now", customer=customer_ref(loc, customer), stage=stage_of(loc, customer))),
        input_block(ids.CHURN_REASON_BLOCK, t(loc, "churn_f_reason"), _choice("radio_buttons", ids.CHURN_REASON, reasons, form.reason)),
        input_block(ids.CHURN_RECOVERABLE_BLOCK, t(loc, "churn_f_recoverable"),
            _choice("radio_buttons", ids.CHURN_RECOVERABLE, answers, form.recoverable), dispatch=True),
        input_block(ids.CHURN_LESSONS_BLOCK, t(loc, "churn_f_lessons"),
            text_input(ids.CHURN_LESSONS, limit=LESSONS_MAX, initial=form.lessons, multiline=True),
            optional=True, hint=t(loc, "churn_f_lessons_hint")),
    ]
    if form.recoverable == ids.CHURN_YES:
        required = customer.value_tier == HIGH_VALUE
        blocks.append(section(t(loc, "winback_plan_required" if required else "winback_plan_optional")))
        blocks += plan_blocks(profile, target, form, required=required, now=now)
    return _modal(ids.CHURN_VIEW, "churn_title", loc, blocks, meta)


def plan_view(profile: Profile, target: Target, case: ChurnCase, meta: dict, *, now: datetime) -> dict:
    blocks = [section(case_line(case, target.customer, profile)), *plan_blocks(profile, target, Form(), required=True, now=now)]
    return _modal(ids.WINBACK_PLAN_VIEW, "winback_plan_title", profile.locale, blocks, meta)


def retention_view(profile: Profile, target: Target, meta: dict, *, now: datetime) -> dict:
    loc, customer = profile.locale, target.customer
    score = customer.health_score if customer.health_score is not None else t(loc, "retention_no_score")
    blocks = [section(t(loc, "retention_head", customer=customer_ref(loc, customer), score=score)),
              *plan_blocks(profile, target, Form(), required=True, now=now)]
    return _modal(ids.RETENTION_VIEW, "retention_title", loc, blocks, meta)


def close_view(profile: Profile, customer: Customer, case: ChurnCase, plan: WinbackPlan, meta: dict) -> dict:
    loc = profile.locale
    outcomes = [option(label(loc, "outcome", o), o) for o in OUTCOMES]
    blocks = [
        section("\n".join([case_line(case, customer, profile), *plan_lines(plan, profile)])),
        input_block(ids.WINBACK_OUTCOME_BLOCK, t(loc, "winback_f_outcome"), _choice("radio_buttons", ids.WINBACK_OUTCOME, outcomes, None)),
        input_block(ids.WINBACK_LESSONS_BLOCK, t(loc, "winback_f_closing_lessons"),
            text_input(ids.WINBACK_LESSONS, limit=LESSONS_MAX, multiline=True), optional=True),
    ]
    return _modal(ids.WINBACK_CLOSE_VIEW, "winback_close_title", loc, blocks, meta)


# -- the customer card ---------------------------------------------------------------------------

@dataclass(frozen=True)
class ChurnCard:
    customer: Customer
    case: ChurnCase | None          # recorded since the customer last became churned
    plan: WinbackPlan | None
    buttons: tuple[tuple[str, str], ...]  # (action_id, text key) the viewer may use


def load_churn(session: Session, customer: Customer, *, viewer: Viewer) -> ChurnCard:
    case = current_case(session=session, customer=customer)
    plan = plan_of(session=session, case_id=case.id) if case is not None else None
    editable = can_edit(viewer, customer)
    buttons = []
    if editable and case is None and (customer.stage == CHURNED or CHURNED in NEXT_STAGES.get(customer.stage, ())):
        buttons.append((ids.CARD_CHURN, "churn_btn"))
    if case is not None and case.recoverable and plan is None and editable:
        buttons.append((ids.CARD_WINBACK, "winback_btn_plan"))
    if plan is not None and plan.outcome is None and (editable or viewer.id == plan.owner_id):
        buttons.append((ids.CARD_WINBACK, "winback_btn_close"))
    return ChurnCard(customer=customer, case=case, plan=plan, buttons=tuple(buttons))


def churn_sections(card: ChurnCard | None, profile: Profile) -> list[dict]:
    """The case (reason, recoverable, lessons clipped) and its plan: one section, none without a case."""
    if card is None or card.case is None:
        return []
    loc, case, plan = profile.locale, card.case, card.plan
    lines = [t(loc, "churn_card_case", date=fmt_date(case.at.astimezone(profile.zone).date(), profile), by=mention(case.by),
               reason=label(loc, "reason", case.reason), recoverable=t(loc, "churn_recoverable" if case.recoverable else "churn_lost"))]
    if case.lessons:
        lines.append(t(loc, "churn_card_lessons", lessons=escape(clip(case.lessons, LESSONS_SHOWN))))
    if plan is not None:
        outcome = label(loc, "outcome", plan.outcome) if plan.outcome else t(loc, "winback_open")
        lines.append(t(loc, "winback_card_plan", owner=mention(plan.owner_id), actions=labels(loc, "action", plan.actions),
                       deadline=fmt_datetime(plan.deadline, profile), outcome=outcome))
        if plan.note:
            lines.append(t(loc, "winback_note_line", note=escape(clip(plan.note, 200))))
    return [section("\n".join(lines))]


def churn_buttons(card: ChurnCard | None, loc: str) -> list[dict]:
    if card is None:
        return []
    return [{"type": "button", "action_id": action_id, "text": plain(t(loc, key)), "value": str(card.customer.id)}
            for action_id, key in card.buttons]


CARD_PART = CardPart(name="churn", load=lambda session, customer, viewer: load_churn(session, customer, viewer=viewer),
                     blocks=lambda card, profile, now: churn_sections(card, profile), buttons=churn_buttons, place="items")
