"""Text for the core: /crm log, next actions, help, errors."""
from __future__ import annotations

from handlers.texts import EN, ZH

TEXTS: dict[str, dict[str, str]] = {
    # /crm log modal
    "log_title": {ZH: "记录客户互动", EN: "Log interaction"},
    "save": {ZH: "保存", EN: "Save"},
    "cancel": {ZH: "取消", EN: "Cancel"},
    "f_customer": {ZH: "客户", EN: "Customer"},
    "f_customer_hint": {ZH: "输入名称或编号搜索；没有时选择“➕ 新建客户”。", EN: "Type a name or code; pick “➕ New customer” when it is not there yet."},
    "f_customer_placeholder": {ZH: "搜索客户", EN: "Search customers"},
    "new_customer_option": {ZH: "➕ 新建客户：{name}", EN: "➕ New customer: {name}"},
    "f_way": {ZH: "联系方式", EN: "Way of contact"},
    "way_visit": {ZH: "拜访", EN: "Visit"},
    "way_phone": {ZH: "电话", EN: "Phone"},
    "way_email": {ZH: "邮件", EN: "Email"},
    "way_meeting": {ZH: "会议", EN: "Meeting"},
    "way_online_meeting": {ZH: "线上会议", EN: "Online meeting"},
    "way_other": {ZH: "其他", EN: "Other"},
    "f_date": {ZH: "日期", EN: "Date"},
    "f_participants": {ZH: "参与人", EN: "Participants"},
    "f_participants_placeholder": {ZH: "如：张总、采购李经理", EN: "e.g. Ms Zhang (CEO), Mr Li (purchasing)"},
    "f_summary": {ZH: "沟通内容", EN: "Summary"},
    "f_feedback": {ZH: "客户反馈", EN: "Customer feedback"},
    "f_action": {ZH: "下一步行动", EN: "Next action"},
    "f_action_placeholder": {ZH: "如：发送报价", EN: "e.g. send the quote"},
    "f_due": {ZH: "截止时间", EN: "Due"},
    "f_owner": {ZH: "负责人", EN: "Owner"},
    # validation and refusals
    "err_required": {ZH: "这一项必填。", EN: "This is required."},
    "err_too_long": {ZH: "最多 {limit} 个字，现在是 {length} 个。", EN: "At most {limit} characters; this has {length}."},
    "err_due_past": {ZH: "截止时间要在将来。", EN: "The due time must be in the future."},
    "err_date_future": {ZH: "日期不能晚于今天。", EN: "The date cannot be later than today."},
    "err_date_invalid": {ZH: "请选择一个有效的日期。", EN: "Pick a valid date."},
    "err_way": {ZH: "请选择联系方式。", EN: "Pick a way of contact."},
    "err_not_your_customer": {ZH: "这是 <@{owner}> 的客户，你不能在上面记录互动。请找负责人或经理。",
                              EN: "That customer belongs to <@{owner}>; you cannot log on it. Ask the owner or their manager."},
    "err_unknown_customer": {ZH: "找不到这个客户，请重新搜索。", EN: "That customer no longer exists; search again."},
    "err_action_missing": {ZH: "这项行动已不存在。", EN: "That next action no longer exists."},
    "err_action_closed": {ZH: "这项行动已经是“{status}”状态，无需再处理。", EN: "That next action is already {status}."},
    "err_not_your_action": {ZH: "只有负责人才能处理这项行动。", EN: "Only the action's owner can change it."},
    "err_when_unparsed": {ZH: "没看懂这个时间。试试“明天下午3点”“下周二”或“2026-12-05 14:00”。", EN: "I could not read that time. Try “tomorrow 3pm”, “next Tuesday” or “2026-12-05 14:00”."},
    "err_slack": {ZH: "Slack 暂时没有响应（{error}），请稍后再试。", EN: "Slack did not answer ({error}); please try again in a moment."},
    "err_internal": {ZH: "出了点问题，已记录下来。请稍后再试。", EN: "Something went wrong and has been logged. Please try again."},
    "status_open": {ZH: "进行中", EN: "open"},
    "status_snoozed": {ZH: "已推迟", EN: "snoozed"},
    "status_done": {ZH: "已完成", EN: "done"},
    "status_cancelled": {ZH: "已取消", EN: "cancelled"},
    # confirmations
    "logged": {ZH: "✅ 已记录与 *{customer}* 的互动。", EN: "✅ Logged your interaction with *{customer}*."},
    "logged_new_customer": {ZH: "新客户 *{customer}* 已创建，编号 `{code}`。", EN: "New customer *{customer}* created with code `{code}`."},
    "logged_next": {ZH: "*下一步：* {action}\n*截止：* {due}\n*负责人：* {owner}", EN: "*Next action:* {action}\n*Due:* {due}\n*Owner:* {owner}"},
    "logged_fallback": {ZH: "已记录与 {customer} 的互动，下一步：{action}，截止 {due}", EN: "Logged {customer}: next {action}, due {due}"},
    "assigned": {ZH: "📌 {author} 给你安排了一项下一步行动。", EN: "📌 {author} gave you a next action."},
    "alerts_grouped": {ZH: "🔔 你有 {count} 条提醒：", EN: "🔔 You have {count} alerts:"},
    # due next action
    "due_header": {ZH: "⏰ 下一步行动到期", EN: "⏰ Next action due"},
    "due_body": {ZH: "*{action}*\n*客户：* {customer}（`{code}`）\n*截止：* {due}", EN: "*{action}*\n*Customer:* {customer} (`{code}`)\n*Due:* {due}"},
    "due_from": {ZH: "来自 {date} 的{way}：{summary}", EN: "From the {way} on {date}: {summary}"},
    "due_fallback": {ZH: "下一步行动到期：{action}（{customer}）", EN: "Next action due: {action} ({customer})"},
    "btn_done": {ZH: "完成", EN: "Done"},
    "btn_snooze": {ZH: "推迟 1 小时", EN: "Snooze 1 hour"},
    "btn_tomorrow": {ZH: "明天 9:00", EN: "Tomorrow 9:00"},
    "btn_reschedule": {ZH: "改期…", EN: "Reschedule…"},
    "done_by": {ZH: "✅ {user} 已于 {time} 完成", EN: "✅ Done by {user} at {time}"},
    "snoozed_until": {ZH: "⏰ 已推迟到 {time}", EN: "⏰ Snoozed until {time}"},
    "rescheduled_to": {ZH: "📅 已改期到 {time}", EN: "📅 Rescheduled to {time}"},
    "already_closed": {ZH: "ℹ️ 这项行动已经是“{status}”状态。", EN: "ℹ️ This next action is already {status}."},
    # reschedule modal
    "reschedule_title": {ZH: "改期", EN: "Reschedule"},
    "reschedule_label": {ZH: "新的时间", EN: "New time"},
    "reschedule_placeholder": {ZH: "如：明天下午3点、下周二、12月5日 14:00", EN: "e.g. tomorrow 3pm, next Tuesday, Dec 5 14:00"},
    "reschedule_hint": {ZH: "现在截止：{due}", EN: "Due now: {due}"},
    # help: a header, one line per registered subcommand, a footer
    "help_header": {ZH: "*CRM 助手* 可用的命令：", EN: "*CRM assistant* commands:"},
    "help_log": {
        ZH: "• `/crm log` 打开表单，记录一次拜访、电话或会议，以及下一步行动\n"
            "• `/crm log 星河科技 拜访张总 下一步: 明天下午3点 发送报价` 按文字预填表单",
        EN: "• `/crm log` opens a form to log a visit, call or meeting and its next action\n"
            "• `/crm log Galaxy Tech demo done, next: friday 2pm send quote` prefills the form from your words",
    },
    "help_footer": {
        ZH: "• `/crm help` 显示这份说明\n下一步行动到期时，我会私信负责人，可以直接点“完成”“推迟”“改期”。",
        EN: "• `/crm help` shows this help\nWhen a next action falls due I DM its owner, with Done, Snooze and Reschedule buttons.",
    },
    "unknown_subcommand": {ZH: "不认识 `{sub}` 这个子命令。", EN: "I don't know the subcommand `{sub}`."},
}
