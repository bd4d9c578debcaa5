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
LOG_DUE_BLOCK, LOG_DUE = "log_due", "log_due_pick"
LOG_OWNER_BLOCK, LOG_OWNER = "log_owner", "log_owner_pick"

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

# /crm admin, /crm quiet
ADMIN_FAILURES = "admin_failures"

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
# handlers/customers.py answers CARD_LOG, CARD_EDIT, CARD_HISTORY; handlers/lifecycle_ui.py the rest.
CARD_ACTIONS_BLOCK = "card_actions"
CARD_LOG = "card_log"
CARD_EDIT = "card_edit"
CARD_HISTORY = "card_history"
CARD_STAGE = "card_stage"
CARD_GRADE = "card_grade"
CARD_NEED = "card_need"
CARD_DEAL = "card_deal"
CARD_CONTACT = "card_contact"

# Customer record views (handlers/customers.py): add field block/action ids below this line.
CUSTOMER_NEW_VIEW = "crm_customer_new"
CUSTOMER_EDIT_VIEW = "crm_customer_edit"

# Lifecycle views (handlers/lifecycle_ui.py): add field block/action ids below this line.
STAGE_VIEW = "crm_stage"
GRADE_VIEW = "crm_grade"
NEED_VIEW = "crm_need"
DEAL_VIEW = "crm_deal"
DEAL_MOVE_VIEW = "crm_deal_move"
CONTACT_VIEW = "crm_contact"
