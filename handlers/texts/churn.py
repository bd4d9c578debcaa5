"""Text for churn and win-back in Slack: `/crm churn`, `/crm winback`, their modals, the retention
plan started from a churn-risk ping, the customer card's churn part, and the store's winback_err_*
refusals (store/winback.py)."""
from __future__ import annotations

from handlers.texts import EN, ZH

TEXTS: dict[str, dict[str, str]] = {
    # help
    "help_churn": {ZH: "• `/crm churn 星河科技` 标记客户流失：记录主要原因、能否挽回和经验教训（可挽回的高价值客户要同时制定挽回计划）",
                   EN: "• `/crm churn Galaxy Tech` marks a customer churned: the main reason, whether it can be won back and "
                       "what we learnt (a recoverable high-value customer needs a win-back plan)"},
    "help_winback": {ZH: "• `/crm winback 星河科技` 为可挽回的流失客户制定挽回计划，或查看进行中的计划并结束它",
                     EN: "• `/crm winback Galaxy Tech` makes the win-back plan of a recoverable churned customer, or shows "
                         "the open plan and closes it"},
    # the codes of store/winback.py (another feature's digest reads the reasons' keys)
    "winback_reason_service_quality": {ZH: "服务质量", EN: "Service quality"},
    "winback_reason_product_competitiveness": {ZH: "产品竞争力", EN: "Product competitiveness"},
    "winback_reason_price": {ZH: "价格", EN: "Price"},
    "winback_reason_relationship": {ZH: "客户关系", EN: "Relationship"},
    "winback_reason_business_change": {ZH: "客户业务变化", EN: "Change in the customer's business"},
    "winback_reason_other": {ZH: "其他", EN: "Other"},
    "winback_action_price": {ZH: "价格调整", EN: "Price offer"},
    "winback_action_service_upgrade": {ZH: "服务升级", EN: "Service upgrade"},
    "winback_action_specific_fix": {ZH: "解决具体问题", EN: "Fix the specific problem"},
    "winback_outcome_won_back": {ZH: "已挽回", EN: "Won back"},
    "winback_outcome_win_back_failed": {ZH: "挽回失败", EN: "Win-back failed"},
    "winback_outcome_lost_for_good": {ZH: "不可挽回", EN: "Lost for good"},
    # the store's refusals
    "winback_err_reason": {ZH: "请选择流失的主要原因。", EN: "Pick the main reason the customer left."},
    "winback_err_actions": {ZH: "请至少选择一项挽回措施。", EN: "Pick at least one action."},
    "winback_err_deadline_past": {ZH: "这个截止时间已经过了，请选择以后的日期。", EN: "That deadline has passed: pick a later day."},
    "winback_err_deadline_month": {ZH: "截止日期最晚在一个月内（{latest}）。", EN: "The deadline is at most a month away ({latest})."},
    "winback_err_deadline_missing": {ZH: "请选择截止日期。", EN: "Pick a deadline."},
    "winback_err_recorded": {ZH: "这个客户的流失已经记录过了；`/crm winback` 可以查看挽回计划。",
                             EN: "This customer's churn is already recorded; `/crm winback` shows its win-back plan."},
    "winback_err_not_recoverable": {ZH: "这个客户已标记为不可挽回，不能制定挽回计划。",
                                    EN: "This customer was marked lost for good, so it gets no win-back plan."},
    "winback_err_plan_required": {ZH: "高价值客户可以挽回时，必须同时制定挽回计划：请选择挽回措施。",
                                  EN: "A recoverable high-value customer needs a win-back plan: pick its actions."},
    "winback_err_unknown_case": {ZH: "找不到这条流失记录。", EN: "That churn record no longer exists."},
    "winback_err_has_plan": {ZH: "这个客户已经有挽回计划了。", EN: "This customer already has a win-back plan."},
    "winback_err_unknown_plan": {ZH: "找不到这个挽回计划。", EN: "That win-back plan no longer exists."},
    "winback_err_outcome": {ZH: "请选择挽回结果。", EN: "Pick the outcome."},
    "winback_err_closed": {ZH: "这个挽回计划已经结束了（{outcome}）。", EN: "This win-back plan is already closed ({outcome})."},
    "churn_err_recoverable": {ZH: "请选择能否挽回。", EN: "Say whether the customer can be won back."},
    # commands
    "churn_usage": {ZH: "用法：`/crm churn 客户名称或编号`，例如 `/crm churn 星河科技`。",
                    EN: "Usage: `/crm churn customer name or code`, e.g. `/crm churn Galaxy Tech`."},
    "winback_usage": {ZH: "用法：`/crm winback 客户名称或编号`，例如 `/crm winback 星河科技`。",
                      EN: "Usage: `/crm winback customer name or code`, e.g. `/crm winback Galaxy Tech`."},
    "winback_no_case": {ZH: "{customer}还没有流失记录：请先用 `/crm churn` 标记流失。",
                        EN: "{customer} has no churn record: mark it churned with `/crm churn` first."},
    "winback_lost": {ZH: "{customer}已标记为不可挽回（{reason}），没有挽回计划。",
                     EN: "{customer} was marked lost for good ({reason}); it has no win-back plan."},
    "winback_was_closed": {ZH: "{customer}的挽回计划已于 {date} 结束：*{outcome}*。", EN: "The win-back plan of {customer} closed on {date}: *{outcome}*."},
    # the churn modal
    "churn_title": {ZH: "标记流失", EN: "Mark churned"},
    "churn_now": {ZH: "{customer}现在是 *{stage}*", EN: "{customer} is now *{stage}*"},
    "churn_f_reason": {ZH: "流失的主要原因", EN: "Main reason"},
    "churn_f_recoverable": {ZH: "能否挽回", EN: "Can it be won back?"},
    "churn_yes": {ZH: "可以挽回", EN: "Yes, it can be won back"},
    "churn_no": {ZH: "不可挽回", EN: "No, lost for good"},
    "churn_f_lessons": {ZH: "经验教训", EN: "What we learnt"},
    "churn_f_lessons_hint": {ZH: "这次流失让我们学到了什么；会和流失记录一起保存。", EN: "Kept with the churn record."},
    "winback_plan_required": {ZH: "*挽回计划*（高价值客户必填）", EN: "*Win-back plan* (needed for a high-value customer)"},
    "winback_plan_optional": {ZH: "*挽回计划*（可选：选了挽回措施就会创建，也可以以后用 `/crm winback` 制定）",
                              EN: "*Win-back plan* (optional: pick actions to start one now, or later with `/crm winback`)"},
    # plan fields (the win-back plan, and the retention plan)
    "winback_f_owner": {ZH: "负责人", EN: "Owner"},
    "winback_f_owner_hint": {ZH: "默认是客户负责人的上级。", EN: "By default the manager of the customer's owner."},
    "winback_f_actions": {ZH: "措施", EN: "Actions"},
    "winback_f_deadline": {ZH: "截止日期", EN: "Deadline"},
    "winback_f_deadline_hint": {ZH: "一个月之内，当天 9:00 截止。", EN: "Within one month; due at 09:00 that day."},
    "winback_f_note": {ZH: "备注", EN: "Note"},
    # the plan and close modals
    "winback_plan_title": {ZH: "挽回计划", EN: "Win-back plan"},
    "winback_close_title": {ZH: "结束挽回计划", EN: "Close win-back plan"},
    "winback_case": {ZH: "{customer}于 {date} 流失：{reason}", EN: "{customer} churned on {date}: {reason}"},
    "winback_f_outcome": {ZH: "挽回结果", EN: "Outcome"},
    "winback_f_closing_lessons": {ZH: "经验教训（补充到流失记录）", EN: "What we learnt (added to the churn record)"},
    # the plan, wherever it is shown
    "winback_plan_line": {ZH: "挽回计划：负责人 {owner}，措施：{actions}，截止 {deadline}",
                          EN: "Win-back plan: owner {owner}, actions: {actions}, due {deadline}"},
    "winback_note_line": {ZH: "备注：{note}", EN: "Note: {note}"},
    "winback_open": {ZH: "进行中", EN: "open"},
    # confirmations
    "churn_done": {ZH: "✅ 已将 {customer}标记为流失：{reason}，{recoverable}。", EN: "✅ {customer} marked churned: {reason}, {recoverable}."},
    "churn_recoverable": {ZH: "可以挽回", EN: "can be won back"},
    "churn_lost": {ZH: "不可挽回", EN: "lost for good"},
    "churn_status": {ZH: "状态：{stage}", EN: "Now: {stage}"},
    "churn_plan_later": {ZH: "可用 `/crm winback {code}` 制定挽回计划。", EN: "Make its win-back plan with `/crm winback {code}`."},
    "winback_planned": {ZH: "✅ 已为 {customer}制定挽回计划。", EN: "✅ Win-back plan made for {customer}."},
    "winback_closed": {ZH: "✅ {customer}的挽回计划已结束：*{outcome}*。", EN: "✅ The win-back plan of {customer} is closed: *{outcome}*."},
    "winback_returned": {ZH: "客户已回到流失前的阶段，重新参与健康评分。",
                         EN: "The customer is back in the stage it left, and scored for health again."},
    "winback_told": {ZH: "已私信通知 {owner}。", EN: "{owner} has been told."},
    # the retention plan (from a churn-risk ping)
    "retention_title": {ZH: "挽留计划", EN: "Retention plan"},
    "retention_head": {ZH: "{customer}有流失风险（健康分 {score}）。制定挽留计划：",
                       EN: "{customer} is at risk of churning (health score {score}). Plan how to keep it:"},
    "retention_no_score": {ZH: "暂无", EN: "none yet"},
    "retention_done": {ZH: "✅ 已为 {customer}制定挽留计划：负责人 {owner}，措施：{actions}，截止 {deadline}。",
                       EN: "✅ Retention plan for {customer}: owner {owner}, actions: {actions}, due {deadline}."},
    # the customer card
    "churn_card_case": {ZH: "*流失记录*（{date}，{by}）\n原因：{reason} · {recoverable}",
                        EN: "*Churn record* ({date}, {by})\nReason: {reason} · {recoverable}"},
    "churn_card_lessons": {ZH: "经验教训：{lessons}", EN: "What we learnt: {lessons}"},
    "winback_card_plan": {ZH: "*挽回计划*：负责人 {owner} · {actions} · 截止 {deadline} · {outcome}",
                          EN: "*Win-back plan*: owner {owner} · {actions} · due {deadline} · {outcome}"},
    "churn_btn": {ZH: "标记流失", EN: "Mark churned"},
    "winback_btn_plan": {ZH: "制定挽回计划", EN: "Win-back plan"},
    "winback_btn_close": {ZH: "结束挽回计划", EN: "Close win-back plan"},
}
