"""Every callback_id, action_id and block_id the bot uses, in one place."""

COMMAND = "/crm"
COMMANDS = (COMMAND,)

# /crm log modal
LOG_VIEW = "crm_log"
LOG_CUSTOMER_BLOCK, LOG_CUSTOMER = "log_customer", "log_customer_pick"
LOG_WAY_BLOCK, LOG_WAY = "log_way", "log_way_pick"
LOG_DATE_BLOCK, LOG_DATE = "log_date", "log_date_pick"
LOG_PARTICIPANTS_BLOCK, LOG_PARTICIPANTS = "log_participants", "log_participants_text"
LOG_SUMMARY_BLOCK, LOG_SUMMARY = "log_summary", "log_summary_text"
LOG_FEEDBACK_BLOCK, LOG_FEEDBACK = "log_feedback", "log_feedback_text"
LOG_ACTION_BLOCK, LOG_ACTION = "log_action", "log_action_text"
LOG_DUE_BLOCK, LOG_DUE = "log_due", "log_due_pick"   # "log_due.<unix time>" after "Use …"
LOG_DUE_READ_BLOCK, LOG_DUE_OTHER = "log_due_read", "log_due_other"
LOG_OWNER_BLOCK, LOG_OWNER = "log_owner", "log_owner_pick"
LOG_OUTCOME_BLOCK, LOG_OUTCOME = "log_outcome", "log_outcome_pick"   # optional: reached | no_answer | replied | no_reply

# Which block shows the error for a store field.
LOG_FIELD_BLOCKS = {
    "customer": LOG_CUSTOMER_BLOCK,
    "way": LOG_WAY_BLOCK,
    "date": LOG_DATE_BLOCK,
    "participants": LOG_PARTICIPANTS_BLOCK,
    "summary": LOG_SUMMARY_BLOCK,
    "feedback": LOG_FEEDBACK_BLOCK,
    "action": LOG_ACTION_BLOCK,
    "due": LOG_DUE_BLOCK,
    "owner": LOG_OWNER_BLOCK,
    "outcome": LOG_OUTCOME_BLOCK,
}

# Option values of the customer picker.
CUSTOMER_EXISTING = "c:"
CUSTOMER_NEW = "n:"

# Due next-action message
DUE_ACTIONS_BLOCK = "due_actions"
DUE_DONE = "due_done"
DUE_SNOOZE = "due_snooze_1h"
DUE_TOMORROW = "due_tomorrow_9"
DUE_RESCHEDULE = "due_reschedule"

# Reschedule modal
RESCHEDULE_VIEW = "crm_reschedule"
RESCHEDULE_BLOCK, RESCHEDULE_WHEN = "reschedule_when", "reschedule_when_text"
RESCHEDULE_READ_BLOCK = "reschedule_read"                     # "= 2026年12月9日 周三 09:00"
RESCHEDULE_PICK_BLOCK, RESCHEDULE_PICK = "reschedule_pick", "reschedule_pick_one"  # two readings

# /crm admin, /crm quiet
ADMIN_FAILURES = "admin_failures"
# /crm admin failures: each failure's actions block is "admin_failure.<outbox id>"; Resend carries the id as its value
ADMIN_FAILURE_BLOCK = "admin_failure"
ADMIN_FAILURE_RESEND, ADMIN_FAILURE_REASSIGN = "admin_failure_resend", "admin_failure_reassign"

# Tickets (/crm ticket, the "Create CRM ticket" message shortcut, the ticket card)
TICKET_VIEW = "crm_ticket"
TICKET_SHORTCUT = "crm_ticket_from_message"
TICKET_CUSTOMER_BLOCK, TICKET_CUSTOMER = "ticket_customer", "ticket_customer_pick"
TICKET_PRIORITY_BLOCK, TICKET_PRIORITY = "ticket_priority", "ticket_priority_pick"
TICKET_TYPE_BLOCK, TICKET_TYPE = "ticket_type", "ticket_type_pick"
TICKET_DESCRIPTION_BLOCK, TICKET_DESCRIPTION = "ticket_description", "ticket_description_text"
TICKET_ASSIGNEE_BLOCK, TICKET_ASSIGNEE = "ticket_assignee", "ticket_assignee_pick"
TICKET_ACTIONS_BLOCK = "ticket_actions"
TICKET_TAKE = "ticket_take"
TICKET_REPLIED = "ticket_replied"
TICKET_PENDING = "ticket_pending"
TICKET_RESUME = "ticket_resume"
TICKET_SOLVED = "ticket_solved"
TICKET_CLOSE = "ticket_close"

# NPS (/crm nps modal, the low-score alert)
NPS_VIEW = "crm_nps"
NPS_CUSTOMER_BLOCK, NPS_CUSTOMER = "nps_customer", "nps_customer_pick"
NPS_SCORE_BLOCK, NPS_SCORE = "nps_score", "nps_score_pick"
NPS_COMMENT_BLOCK, NPS_COMMENT = "nps_comment", "nps_comment_text"
NPS_LOOP_DONE = "nps_loop_done"

# Which block of the ticket modal shows the error for a store field.
TICKET_FIELD_BLOCKS = {
    "customer": TICKET_CUSTOMER_BLOCK,
    "priority": TICKET_PRIORITY_BLOCK,
    "type": TICKET_TYPE_BLOCK,
    "description": TICKET_DESCRIPTION_BLOCK,
    "assignee": TICKET_ASSIGNEE_BLOCK,
}

# Customer card (/crm show): buttons carry the customer id as their value.
# handlers/customers/commands.py answers CARD_LOG, CARD_EDIT, CARD_HISTORY; handlers/lifecycle/commands.py the rest.
CARD_ACTIONS_BLOCK = "card_actions"
CARD_LOG = "card_log"
CARD_EDIT = "card_edit"
CARD_HISTORY = "card_history"
CARD_STAGE = "card_stage"
CARD_GRADE = "card_grade"
CARD_NEED = "card_need"
CARD_DEAL = "card_deal"
CARD_CONTACT = "card_contact"

# Customer record views (handlers/customers/commands.py): add field block/action ids below this line.
CUSTOMER_NEW_VIEW = "crm_customer_new"
CUSTOMER_EDIT_VIEW = "crm_customer_edit"
CUST_NAME_BLOCK, CUST_NAME = "cust_name", "cust_name_text"
CUST_COMPANY_BLOCK, CUST_COMPANY = "cust_company", "cust_company_text"
CUST_TITLE_BLOCK, CUST_TITLE = "cust_contact_title", "cust_contact_title_text"
CUST_CONTACT_BLOCK, CUST_CONTACT = "cust_contact_name", "cust_contact_name_text"
CUST_INDUSTRY_BLOCK, CUST_INDUSTRY = "cust_industry", "cust_industry_text"
CUST_STAFF_BLOCK, CUST_STAFF = "cust_staff", "cust_staff_text"
CUST_REVENUE_BLOCK, CUST_REVENUE = "cust_revenue", "cust_revenue_text"
CUST_REGION_BLOCK, CUST_REGION = "cust_region", "cust_region_text"
CUST_NOTES_BLOCK, CUST_NOTES = "cust_notes", "cust_notes_text"
CUST_SOURCE_BLOCK, CUST_SOURCE = "cust_source", "cust_source_pick"
CUST_PHONE_BLOCK, CUST_PHONE = "cust_phone", "cust_phone_text"
CUST_EMAIL_BLOCK, CUST_EMAIL = "cust_email", "cust_email_text"
CUST_TAGS_BLOCK, CUST_TAGS = "cust_tags", "cust_tags_text"
CUST_TIER_BLOCK, CUST_TIER = "cust_value_tier", "cust_value_tier_pick"
CUST_NEED_TYPE_BLOCK, CUST_NEED_TYPE = "cust_need_type", "cust_need_type_pick"
CUST_GRADE_BLOCK, CUST_GRADE = "cust_grade", "cust_grade_pick"
CUST_OWNER_BLOCK, CUST_OWNER = "cust_owner", "cust_owner_pick"
CUST_CS_OWNER_BLOCK, CUST_CS_OWNER = "cust_cs_owner", "cust_cs_owner_pick"
# Which block of the customer modals shows the error for a store field.
CUST_FIELD_BLOCKS = {
    "customer": CUST_NAME_BLOCK, "company": CUST_COMPANY_BLOCK, "contact_title": CUST_TITLE_BLOCK, "contact_name": CUST_CONTACT_BLOCK,
    "industry": CUST_INDUSTRY_BLOCK, "staff_count": CUST_STAFF_BLOCK, "annual_revenue": CUST_REVENUE_BLOCK,
    "region": CUST_REGION_BLOCK, "cultural_notes": CUST_NOTES_BLOCK, "source": CUST_SOURCE_BLOCK,
    "phone": CUST_PHONE_BLOCK, "email": CUST_EMAIL_BLOCK, "tags": CUST_TAGS_BLOCK, "value_tier": CUST_TIER_BLOCK,
    "need_type": CUST_NEED_TYPE_BLOCK, "grade": CUST_GRADE_BLOCK, "owner": CUST_OWNER_BLOCK,
    "cs_owner_id": CUST_CS_OWNER_BLOCK,
}

# Lifecycle views (handlers/lifecycle/commands.py): add field block/action ids below this line.
STAGE_VIEW = "crm_stage"
GRADE_VIEW = "crm_grade"
NEED_VIEW = "crm_need"
DEAL_VIEW = "crm_deal"
DEAL_MOVE_VIEW = "crm_deal_move"
CONTACT_VIEW = "crm_contact"
STAGE_STAGE_BLOCK, STAGE_STAGE = "stage_stage", "stage_stage_pick"
STAGE_STATUS_BLOCK, STAGE_STATUS = "stage_status", "stage_status_pick"
STAGE_REASON_BLOCK, STAGE_REASON = "stage_reason", "stage_reason_text"
GRADE_MODE_BLOCK, GRADE_MODE = "grade_mode", "grade_mode_pick"  # options GRADE_BY_HAND, GRADE_BY_BANT
GRADE_BY_HAND, GRADE_BY_BANT = "hand", "bant"
GRADE_GRADE_BLOCK, GRADE_GRADE = "grade_grade", "grade_grade_pick"
GRADE_BANT = {f: (f"grade_bant_{f}", f"grade_bant_{f}_pick") for f in ("budget", "authority", "need", "timeline")}
NEED_KIND_BLOCK, NEED_KIND = "need_kind", "need_kind_pick"
NEED_DESCRIPTION_BLOCK, NEED_DESCRIPTION = "need_description", "need_description_text"
NEED_PRIORITY_BLOCK, NEED_PRIORITY = "need_priority", "need_priority_pick"
NEED_STATUS_BLOCK, NEED_STATUS = "need_status", "need_status_pick"
DEAL_TITLE_BLOCK, DEAL_TITLE = "deal_title", "deal_title_text"
DEAL_AMOUNT_BLOCK, DEAL_AMOUNT = "deal_amount", "deal_amount_text"
DEAL_CURRENCY_BLOCK, DEAL_CURRENCY = "deal_currency", "deal_currency_text"
DEAL_STAGE_BLOCK, DEAL_STAGE = "deal_stage", "deal_stage_pick"
DEAL_CLOSE_BLOCK, DEAL_CLOSE = "deal_close", "deal_close_pick"
DEAL_MOVE_OPEN = "deal_move_open"  # button on DEAL_VIEW, value = deal id: pushes DEAL_MOVE_VIEW
DEAL_MOVE_STAGE_BLOCK, DEAL_MOVE_STAGE = "deal_move_stage", "deal_move_stage_pick"  # dispatches: redraws
DEAL_CONTRACT_BLOCK, DEAL_CONTRACT = "deal_contract", "deal_contract_text"
DEAL_SIGNED_BLOCK, DEAL_SIGNED = "deal_signed", "deal_signed_pick"
DEAL_TERMS_BLOCK, DEAL_TERMS = "deal_terms", "deal_terms_text"
DEAL_SERVICE_START_BLOCK, DEAL_SERVICE_START = "deal_service_start", "deal_service_start_pick"
DEAL_SERVICE_END_BLOCK, DEAL_SERVICE_END = "deal_service_end", "deal_service_end_pick"
DEAL_RENEWAL_BLOCK, DEAL_RENEWAL = "deal_renewal", "deal_renewal_pick"
DEAL_LOST_BLOCK, DEAL_LOST = "deal_lost", "deal_lost_text"
# The contact form's field blocks carry the form's mode after a dot ("contact_name.new",
# "contact_name.42"), so choosing another contact redraws them with that contact's values.
CONTACT_PICK_BLOCK, CONTACT_PICK = "contact_pick", "contact_pick_pick"  # dispatches: redraws
CONTACT_NEW = "new"
CONTACT_NAME_BLOCK, CONTACT_NAME = "contact_name", "contact_name_text"
CONTACT_TITLE_BLOCK, CONTACT_TITLE = "contact_title", "contact_title_text"
CONTACT_ROLE_BLOCK, CONTACT_ROLE = "contact_role", "contact_role_pick"
CONTACT_PHONE_BLOCK, CONTACT_PHONE = "contact_phone", "contact_phone_text"
CONTACT_EMAIL_BLOCK, CONTACT_EMAIL = "contact_email", "contact_email_text"
CONTACT_REASON_BLOCK, CONTACT_REASON = "contact_reason", "contact_reason_text"
# Which block of each lifecycle modal shows the error for a store field.
STAGE_FIELD_BLOCKS = {"stage": STAGE_STAGE_BLOCK, "status": STAGE_STATUS_BLOCK, "reason": STAGE_REASON_BLOCK}
GRADE_FIELD_BLOCKS = {"grade": GRADE_GRADE_BLOCK, **{f"bant_{f}": block for f, (block, _) in GRADE_BANT.items()}}
NEED_FIELD_BLOCKS = {"kind": NEED_KIND_BLOCK, "description": NEED_DESCRIPTION_BLOCK, "priority": NEED_PRIORITY_BLOCK,
                     "status": NEED_STATUS_BLOCK}
DEAL_FIELD_BLOCKS = {"title": DEAL_TITLE_BLOCK, "amount": DEAL_AMOUNT_BLOCK, "currency": DEAL_CURRENCY_BLOCK,
                     "stage": DEAL_STAGE_BLOCK, "expected_close_on": DEAL_CLOSE_BLOCK, "contract_no": DEAL_CONTRACT_BLOCK,
                     "signed_on": DEAL_SIGNED_BLOCK}
DEAL_MOVE_FIELD_BLOCKS = {"stage": DEAL_MOVE_STAGE_BLOCK, "contract_no": DEAL_CONTRACT_BLOCK, "signed_on": DEAL_SIGNED_BLOCK,
                          "payment_terms": DEAL_TERMS_BLOCK, "service_end": DEAL_SERVICE_END_BLOCK,
                          "lost_reason": DEAL_LOST_BLOCK}
CONTACT_FIELD_BLOCKS = {"name": CONTACT_NAME_BLOCK, "title": CONTACT_TITLE_BLOCK, "role": CONTACT_ROLE_BLOCK,
                        "phone": CONTACT_PHONE_BLOCK, "email": CONTACT_EMAIL_BLOCK, "reason": CONTACT_REASON_BLOCK}

# Home tab (handlers/home/views.py). Each next action is a section "home_action.<next action id>".
HOME_BUTTONS_BLOCK = "home_buttons"
HOME_LOG = "home_log"
HOME_NEW_CUSTOMER = "home_new_customer"
HOME_NEW_TICKET = "home_new_ticket"
HOME_ACTION_BLOCK = "home_action"
# Each next action on the Home tab is one section whose overflow menu offers the due-action DM's
# choices (Done, Snooze 1 hour, Tomorrow 9:00, Reschedule…): values "done:<id>", "snooze:<id>",
# "tomorrow:<id>", "reschedule:<id>" (handlers/reminders/actions.py answers). A window with more
# than a page has Previous / Next buttons (value "<window>:<page>"); the pages shown are kept in
# the home view's private_metadata.
HOME_ACTION_MENU = "home_action_menu"
HOME_PAGE_BLOCK = "home_page"
HOME_PREV, HOME_NEXT = "home_page_prev", "home_page_next"
HOME_MENU_VERBS = ("done", "snooze", "tomorrow", "reschedule")

# Churn and win-back (handlers/churn/commands.py, handlers/churn/forms.py). The card's buttons carry the
# customer id; CARD_WINBACK opens a new plan or, when one is open, closes it.
CARD_CHURN = "card_churn"
CARD_WINBACK = "card_winback"
CHURN_VIEW = "crm_churn"
WINBACK_PLAN_VIEW = "crm_winback_plan"
WINBACK_CLOSE_VIEW = "crm_winback_close"
RETENTION_VIEW = "crm_retention_plan"
CHURN_REASON_BLOCK, CHURN_REASON = "churn_reason", "churn_reason_pick"
CHURN_RECOVERABLE_BLOCK, CHURN_RECOVERABLE = "churn_recoverable", "churn_recoverable_pick"  # dispatches: redraws
CHURN_YES, CHURN_NO = "yes", "no"
CHURN_LESSONS_BLOCK, CHURN_LESSONS = "churn_lessons", "churn_lessons_text"
WINBACK_OWNER_BLOCK, WINBACK_OWNER = "winback_owner", "winback_owner_pick"
WINBACK_ACTIONS_BLOCK, WINBACK_ACTIONS = "winback_actions", "winback_actions_pick"
WINBACK_DEADLINE_BLOCK, WINBACK_DEADLINE = "winback_deadline", "winback_deadline_pick"
WINBACK_NOTE_BLOCK, WINBACK_NOTE = "winback_note", "winback_note_text"
WINBACK_OUTCOME_BLOCK, WINBACK_OUTCOME = "winback_outcome", "winback_outcome_pick"
WINBACK_LESSONS_BLOCK, WINBACK_LESSONS = "winback_lessons", "winback_lessons_text"
# Which block of the churn, plan and close modals shows the error for a store field.
WINBACK_FIELD_BLOCKS = {"reason": CHURN_REASON_BLOCK, "recoverable": CHURN_RECOVERABLE_BLOCK, "lessons": CHURN_LESSONS_BLOCK,
                        "plan": WINBACK_ACTIONS_BLOCK, "actions": WINBACK_ACTIONS_BLOCK, "owner": WINBACK_OWNER_BLOCK,
                        "deadline": WINBACK_DEADLINE_BLOCK, "note": WINBACK_NOTE_BLOCK, "outcome": WINBACK_OUTCOME_BLOCK,
                        "closing_lessons": WINBACK_LESSONS_BLOCK}

# Churn-risk pings (handlers/health/actions.py, handlers/health/messages.py): buttons carry "<customer id>:<outbox id>".
RISK_ACTIONS_BLOCK = "risk_actions"
RISK_WINBACK = "risk_winback"
RISK_LOG = "risk_log"
RISK_SNOOZE = "risk_snooze_7d"
RISK_NOT_AT_RISK = "risk_not_at_risk"
RISK_REASON_VIEW = "crm_risk_not_at_risk"
RISK_REASON_BLOCK, RISK_REASON = "risk_reason", "risk_reason_text"
# Links from lists of customers to their cards (handlers/customers/links.py)
CARD_PICKER_BLOCK, CARD_PICKER = "card_picker", "card_picker_pick"

# Payment schedules (handlers/payments/). DEAL_PAYMENTS sits on a won deal in the deal list and in
# `/crm pay` (value: the deal id); PAY_SCHEDULE_OPEN carries the deal id, PAY_RECEIVE_OPEN the instalment id.
DEAL_PAYMENTS = "deal_payments"
PAY_SCHEDULE_OPEN = "pay_schedule_open"
PAY_RECEIVE_OPEN = "pay_receive_open"
PAY_LIST_VIEW = "crm_pay_list"
PAY_SCHEDULE_VIEW = "crm_pay_schedule"
PAY_RECEIVE_VIEW = "crm_pay_receive"
PAY_TERMS_BLOCK, PAY_TERMS = "pay_terms", "pay_terms_text"
PAY_FIRST_BLOCK, PAY_FIRST = "pay_first", "pay_first_pick"
PAY_EVERY_BLOCK, PAY_EVERY = "pay_every", "pay_every_text"
PAY_DATES_BLOCK, PAY_DATES = "pay_dates", "pay_dates_text"
PAY_HAND_BLOCK, PAY_HAND = "pay_hand", "pay_hand_text"
PAY_AMOUNT_BLOCK, PAY_AMOUNT = "pay_amount", "pay_amount_text"
PAY_DAY_BLOCK, PAY_DAY = "pay_day", "pay_day_pick"
PAY_FIELD_BLOCKS = {"terms": PAY_TERMS_BLOCK, "first": PAY_FIRST_BLOCK, "every": PAY_EVERY_BLOCK, "dates": PAY_DATES_BLOCK,
                    "hand": PAY_HAND_BLOCK, "amount": PAY_AMOUNT_BLOCK, "received_on": PAY_DAY_BLOCK}

# The card's behaviour tags (handlers/customers/cards.py draws them, handlers/tags/actions.py answers):
# an overflow menu whose options' values are "<customer id>:<tag code>".
CARD_TAGS_BLOCK, CARD_TAG_REMOVE = "card_tags", "card_tag_remove"

# The monthly maintenance summary (handlers/reviews/): the DM's button (value: the month "2026-11") and its modal.
REVIEW_SUMMARY_OPEN = "review_summary_open"
REVIEW_SUMMARY_VIEW = "crm_review_summary"
REVIEW_CASE_BLOCK, REVIEW_CASE = "review_case", "review_case_text"
REVIEW_PROBLEMS_BLOCK, REVIEW_PROBLEMS = "review_problems", "review_problems_text"
REVIEW_FIELD_BLOCKS = {"success_case": REVIEW_CASE_BLOCK, "problems": REVIEW_PROBLEMS_BLOCK}
