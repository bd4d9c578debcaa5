"""Text for service tickets (/crm ticket, /crm tickets, the card, the SLA alerts)."""
from __future__ import annotations

from handlers.texts import EN, ZH

TEXTS: dict[str, dict[str, str]] = {
    "help_ticket": {
        ZH: "• `/crm ticket` 新建服务工单（首次响应与解决时限自动计时）；`/crm ticket 星河科技 打印机无法启动` 预填客户和描述；"
            "也可以在任意消息的“更多操作”里选 *Create CRM ticket*",
        EN: "• `/crm ticket` opens a service ticket with first-response and resolution clocks; `/crm ticket Galaxy Tech printer "
            "will not start` prefills customer and description; or pick *Create CRM ticket* from any message's More actions",
    },
    "help_tickets": {ZH: "• `/crm tickets` 查看我负责的未结工单和各时限的剩余时间",
                     EN: "• `/crm tickets` lists your open tickets and the time left on each clock"},
    # the modal
    "ticket_title": {ZH: "新建工单", EN: "New ticket"},
    "ticket_create": {ZH: "创建", EN: "Create"},
    "ticket_f_customer": {ZH: "客户", EN: "Customer"},
    "ticket_f_priority": {ZH: "优先级", EN: "Priority"},
    "ticket_f_type": {ZH: "类型", EN: "Type"},
    "ticket_f_description": {ZH: "问题描述", EN: "Description"},
    "ticket_f_description_placeholder": {ZH: "客户遇到了什么问题？", EN: "What does the customer need?"},
    "ticket_f_assignee": {ZH: "负责人", EN: "Assignee"},
    "ticket_f_assignee_hint": {ZH: "留空则由团队里的人点“我来处理”认领。", EN: "Leave empty and someone on the team clicks “Take it”."},
    "ticket_priority_P1": {ZH: "P1 · 紧急（全天计时）", EN: "P1 · Urgent (around the clock)"},
    "ticket_priority_P2": {ZH: "P2 · 高", EN: "P2 · High"},
    "ticket_priority_P3": {ZH: "P3 · 普通", EN: "P3 · Normal"},
    "ticket_priority_P4": {ZH: "P4 · 低", EN: "P4 · Low"},
    "ticket_type_enquiry": {ZH: "咨询", EN: "Enquiry"},
    "ticket_type_complaint": {ZH: "投诉", EN: "Complaint"},
    "ticket_type_after_sales": {ZH: "售后", EN: "After-sales"},
    "ticket_type_request": {ZH: "需求", EN: "Request"},
    "ticket_type_other": {ZH: "其他", EN: "Other"},
    # statuses and buttons
    "ticket_status_new": {ZH: "新建", EN: "new"},
    "ticket_status_open": {ZH: "处理中", EN: "open"},
    "ticket_status_pending": {ZH: "等待客户", EN: "waiting on the customer"},
    "ticket_status_solved": {ZH: "已解决", EN: "solved"},
    "ticket_status_closed": {ZH: "已关闭", EN: "closed"},
    "ticket_customer_unknown": {ZH: "⚠️ 找不到客户“{name}”。请在下面输入名称或编号搜索并选择；确实是新客户的话，输入名称后选“➕ 新建客户”。",
                                EN: "⚠️ No customer called “{name}”. Search for it below by name or code and pick it; if it is a new "
                                    "customer, type its name there and pick “➕ New customer”."},
    "ticket_btn_take": {ZH: "我来处理", EN: "Take it"},
    "ticket_btn_replied": {ZH: "已首次回复", EN: "First reply sent"},
    "ticket_btn_pending": {ZH: "等待客户", EN: "Waiting on customer"},
    "ticket_btn_resume": {ZH: "客户已回复", EN: "Customer answered"},
    "ticket_btn_solved": {ZH: "已解决", EN: "Solved"},
    "ticket_btn_close": {ZH: "关闭", EN: "Close"},
    # refusals
    "ticket_err_priority": {ZH: "请选择优先级（P1-P4）。", EN: "Pick a priority (P1-P4)."},
    "ticket_err_type": {ZH: "请选择工单类型。", EN: "Pick a ticket type."},
    "ticket_err_missing": {ZH: "这张工单已不存在。", EN: "That ticket no longer exists."},
    "ticket_err_forbidden": {ZH: "只有工单的处理人和能查看这个客户的人（负责人 <@{owner}>、其团队成员、其经理或管理员）可以处理这张工单。",
                             EN: "Only the ticket's assignee and those who can see its customer (the owner <@{owner}>, their "
                                 "teammates, their manager or an admin) can work on this ticket."},
    "ticket_err_transition": {ZH: "工单 {code} 现在是“{status}”状态，不能“{action}”。",
                              EN: "Ticket {code} is {status}, so “{action}” does not apply now."},
    "ticket_err_replied": {ZH: "工单 {code} 的首次回复已经记录过了。", EN: "The first reply on ticket {code} is already recorded."},
    "ticket_err_yours": {ZH: "工单 {code} 已经由你负责。", EN: "Ticket {code} is already yours."},
    # the card
    "ticket_card_head": {ZH: "🎫 工单 {code} · {priority} · {type}", EN: "🎫 Ticket {code} · {priority} · {type}"},
    "ticket_card_customer": {ZH: "*客户：* {customer}（`{code}`）", EN: "*Customer:* {customer} (`{code}`)"},
    "ticket_card_status": {ZH: "*状态：* {status}　*负责人：* {assignee}", EN: "*Status:* {status} · *Assignee:* {assignee}"},
    "ticket_unassigned": {ZH: "待认领", EN: "nobody yet"},
    "ticket_card_opened": {ZH: "{user} 创建于 {time}", EN: "Opened by {user}, {time}"},
    "ticket_card_source": {ZH: "来自<{link}|这条消息>", EN: "From <{link}|this message>"},
    "ticket_card_last": {ZH: "最近操作：{user}“{action}”，{time}", EN: "Last: “{action}” by {user}, {time}"},
    "ticket_card_text": {ZH: "工单 {code}（{customer}）：{status}", EN: "Ticket {code} ({customer}): {status}"},
    # clocks
    "sla_clock_response": {ZH: "首次响应", EN: "First response"},
    "sla_clock_resolution": {ZH: "解决", EN: "Resolution"},
    "sla_running": {ZH: "⏱ {clock}：{due} 到期，还剩 {left}", EN: "⏱ {clock}: due {due}, {left} left"},
    "sla_paused": {ZH: "⏸ {clock}：已暂停（等待客户），还剩 {left}", EN: "⏸ {clock}: paused (waiting on the customer), {left} left"},
    "sla_met": {ZH: "✅ {clock}：已达成（{at}）", EN: "✅ {clock}: met ({at})"},
    "sla_late": {ZH: "⚠️ {clock}：{at} 完成，超时 {over}", EN: "⚠️ {clock}: done {at}, late by {over}"},
    "sla_breached": {ZH: "🔴 {clock}：已超时 {over}", EN: "🔴 {clock}: overdue by {over}"},
    "sla_working": {ZH: "{span}（工作时间）", EN: "{span} of working time"},
    "sla_span_d": {ZH: "{d}天", EN: "{d} d"},
    "sla_span_dh": {ZH: "{d}天{h}小时", EN: "{d} d {h} h"},
    "sla_span_h": {ZH: "{h}小时", EN: "{h} h"},
    "sla_span_hm": {ZH: "{h}小时{m}分钟", EN: "{h} h {m} min"},
    "sla_span_m": {ZH: "{m}分钟", EN: "{m} min"},
    # alerts
    "sla_warn_head": {ZH: "⚠️ SLA 预警：工单 {code} 的{clock}将于 {due} 到期（还有 {left}）",
                      EN: "⚠️ SLA warning: {clock} on ticket {code} is due {due} (in {left})"},
    "sla_breach_head": {ZH: "🔴 SLA 超时：工单 {code} 的{clock}已于 {due} 到期（已过 {over}）",
                        EN: "🔴 SLA breached: {clock} on ticket {code} was due {due} ({over} ago)"},
    "sla_escalate_head": {ZH: "🚨 SLA 升级：工单 {code} 的{clock}已于 {due} 超时，到现在 {over} 无人处理",
                          EN: "🚨 SLA escalation: {clock} on ticket {code} was due {due}; nobody has acted in the {over} since"},
    "sla_alert_about": {ZH: "*客户：* {customer}（`{ccode}`）· {priority} · {type}\n*负责人：* {assignee}",
                        EN: "*Customer:* {customer} (`{ccode}`) · {priority} · {type}\n*Assignee:* {assignee}"},
    "sla_link_card": {ZH: "<{link}|打开工单卡片>", EN: "<{link}|Open the ticket card>"},
    "sla_link_source": {ZH: "<{link}|查看原消息和工单卡片>", EN: "<{link}|See the original message and the ticket card>"},
    # /crm tickets
    "ticket_list_head": {ZH: "*你负责的未结工单：{count} 张*", EN: "*Your open tickets: {count}*"},
    "ticket_list_item": {ZH: "*{code}* · {priority} · {customer} · {status}", EN: "*{code}* · {priority} · {customer} · {status}"},
    "ticket_list_more": {ZH: "……还有 {count} 张未列出。", EN: "… and {count} more."},
    "ticket_list_none": {ZH: "你名下没有未结工单。", EN: "You have no open tickets."},
}
