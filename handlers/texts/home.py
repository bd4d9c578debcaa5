"""Text for the App Home tab (handlers/home/views.py)."""
from __future__ import annotations

from handlers.texts import EN, ZH  # noqa: F401

TEXTS: dict[str, dict[str, str]] = {
    "home_title": {ZH: "我的 CRM 工作台", EN: "Your CRM home"},
    "home_updated": {ZH: "更新于 {time}", EN: "Updated {time}"},
    "home_btn_log": {ZH: "📝 记录互动", EN: "📝 Log interaction"},
    "home_btn_new_customer": {ZH: "➕ 新建客户", EN: "➕ New customer"},
    "home_btn_new_ticket": {ZH: "🎫 新建工单", EN: "🎫 New ticket"},
    "home_empty": {ZH: "👋 这里会列出你的待办行动、客户和工单。现在还是空的——先新建一个客户，或记录一次客户互动吧。",
                   EN: "👋 Your next actions, customers and tickets will show up here. Nothing yet: add a customer "
                       "or log an interaction to get started."},
    # next actions
    "home_actions_head": {ZH: "*下一步行动*", EN: "*Next actions*"},
    "home_actions_none": {ZH: "未来 7 天没有待办的下一步行动。", EN: "Nothing due in the next 7 days."},
    "home_overdue": {ZH: "*🔴 已逾期（{count}）*", EN: "*🔴 Overdue ({count})*"},
    "home_today": {ZH: "*🟡 今天（{count}）*", EN: "*🟡 Today ({count})*"},
    "home_upcoming": {ZH: "*🗓 未来 7 天（{count}）*", EN: "*🗓 Next 7 days ({count})*"},
    "home_page_range": {ZH: " · 第 {first}–{last} 条", EN: " · {first}–{last}"},
    "home_prev": {ZH: "◀ 上一页", EN: "◀ Previous"},
    "home_next": {ZH: "下一页 ▶", EN: "Next ▶"},
    "home_action_line": {ZH: "{action} · {customer}\n{when}", EN: "{action} · {customer}\n{when}"},
    "home_due": {ZH: "截止 {due}", EN: "Due {due}"},
    "home_due_late": {ZH: "截止 {due}，已逾期 {late}", EN: "Due {due}, {late} overdue"},
    # customers
    "home_customers_head": {ZH: "*我的客户：共 {count} 个*", EN: "*Your customers: {count}*"},
    "home_stage_count": {ZH: "*{stage}*\n{count}", EN: "*{stage}*\n{count}"},
    "home_customers_none": {ZH: "你名下还没有客户。点“➕ 新建客户”添加第一个。",
                            EN: "You have no customers yet. Add your first with “➕ New customer”."},
    "home_attention_head": {ZH: "*需要关注（{count}）*", EN: "*Needing attention ({count})*"},
    "home_attention_line": {ZH: "• {band} {customer} · 健康分 {score}", EN: "• {band} {customer} · health {score}"},
    # team figures (managers: their reports; admins: everyone)
    "home_team_head": {ZH: "*团队本周数据*", EN: "*Your team this week*"},
    "home_everyone_head": {ZH: "*全员本周数据*", EN: "*Everyone this week*"},
}
