"""Text for the reviews the templates schedule: the monthly maintenance summary (DM, modal, the
manager's digest) and the quarterly review digest."""
from __future__ import annotations

from handlers.texts import EN, ZH, plural

TEXTS: dict[str, dict[str, str]] = {
    "review_sep": {ZH: "、", EN: ", "},
    "review_more": {ZH: "　……还有 {count} 条", EN: "   … and {count} more"},
    # the DM
    "review_dm_head": {ZH: "*{month} 维护小结草稿*（根据你的记录生成）", EN: "*Your maintenance summary for {month}: a draft* (from your records)"},
    "review_dm_text": {ZH: "请提交 {month} 维护小结", EN: "Please submit your maintenance summary for {month}"},
    "review_touched": {ZH: "• 本月接触客户：{count} 个", EN: "• Customers touched: {count}"},
    "review_wins": {ZH: "• 成交：{count} 单", EN: "• Wins: {count}"},
    "review_wins_sum": {ZH: "，合计 {sums}", EN: ", totalling {sums}"},
    "review_win_line": {ZH: "　◦ {customer} · {title} · {amount}", EN: "   ◦ {customer} · {title} · {amount}"},
    "review_problems": {ZH: "• 未解决问题（未结工单）：{count} 个", EN: "• Open problems (open tickets): {count}"},
    "review_problem_line": {ZH: "　◦ `{code}` {customer}：{description}", EN: "   ◦ `{code}` {customer}: {description}"},
    "review_overdue": {ZH: "• 逾期待办：{count} 项", EN: "• Overdue next actions: {count}"},
    "review_overdue_line": {ZH: "　◦ {customer}：{title}（{due} 到期）", EN: "   ◦ {customer}: {title} (due {due})"},
    "review_dm_hint": {ZH: "点“填写小结”写下本月的成功案例和遇到的问题；经理的月报会汇总谁已提交。",
                       EN: "Press “Write summary” to add the month's success case and problems; your manager's monthly digest lists who has submitted."},
    "review_dm_done": {ZH: "✅ 你已提交这个月的小结，可以再修改。", EN: "✅ You have submitted this month's summary; you can still change it."},
    "review_btn_write": {ZH: "填写小结", EN: "Write summary"},
    "review_btn_edit": {ZH: "修改小结", EN: "Edit summary"},
    # the modal
    "review_modal_title": {ZH: "月度维护小结", EN: "Monthly summary"},
    "review_modal_intro": {ZH: "*{month}* 的维护小结", EN: "Maintenance summary for *{month}*"},
    "review_f_case": {ZH: "成功案例", EN: "Success case"},
    "review_f_case_placeholder": {ZH: "例如：星河科技续约，客户认可售后响应速度", EN: "e.g. Galaxy Tech renewed, praising our after-sales response"},
    "review_f_problems": {ZH: "遇到的问题", EN: "Problems"},
    "review_f_problems_placeholder": {ZH: "需要支持或升级处理的问题", EN: "What needs support or escalation"},
    "review_saved": {ZH: "✅ 已提交 {month} 维护小结，谢谢！", EN: "✅ Your maintenance summary for {month} is submitted. Thank you!"},
    "review_err_month": {ZH: "这个月份不能提交小结。", EN: "A summary cannot be submitted for that month."},
    # the manager's monthly digest
    "review_digest_head": {ZH: "*维护小结（{month}）*：{asked} 人中已提交 {done} 人",
                           EN: "*Maintenance summaries ({month})*: {done} of {asked} submitted"},
    "review_digest_line": {ZH: "• {rep}　成功案例：{case}　问题：{problems}", EN: "• {rep} · Success case: {case} · Problems: {problems}"},
    "review_digest_missing": {ZH: "未提交：{reps}", EN: "Not submitted: {reps}"},
    "review_digest_nothing": {ZH: "—", EN: "—"},
}
TEXTS.update({
    # the quarterly review (handlers/digests/quarterly.py)
    "quarter_title_team": {ZH: "*📋 {team} 团队季度复盘 · {quarter}*", EN: "*📋 {team}'s team quarterly review · {quarter}*"},
    "quarter_title_all": {ZH: "*📋 全员季度复盘 · {quarter}*", EN: "*📋 Everyone's quarterly review · {quarter}*"},
    "quarter_churn_head": {ZH: "*🔁 流失与挽回*", EN: "*🔁 Churn and recovery*"},
    "quarter_rate": {ZH: "挽回率 {pct}（本季度结束的挽回方案 {count} 个，成功挽回 {won} 个）",
                     EN: plural(one="Recovery rate {pct} ({won} won back of {count} win-back plan closed in the quarter)",
                                other="Recovery rate {pct} ({won} won back of {count} win-back plans closed in the quarter)")},
    "quarter_rate_none": {ZH: "挽回率：本季度没有结束的挽回方案", EN: "Recovery rate: no win-back plan closed in the quarter"},
    "quarter_nps_head": {ZH: "*⭐ NPS*", EN: "*⭐ NPS*"},
    "quarter_nps": {ZH: "本季度 {nps}（{count} 份：推荐 {promoters}、中立 {passives}、贬损 {detractors}）；上季度 {previous}",
                    EN: plural(one="This quarter {nps} ({count} answer: promoters {promoters}, passives {passives}, "
                                   "detractors {detractors}); the quarter before {previous}",
                               other="This quarter {nps} ({count} answers: promoters {promoters}, passives {passives}, "
                                     "detractors {detractors}); the quarter before {previous}")},
    # sections handed in through Defaults.hooks.quarterly_sections (handlers/value/quarterly.py, handlers/payments/quarterly.py)
    "quarter_tiers_head": {ZH: "*📶 价值分层变动*（上升 {up} 个，下降 {down} 个）", EN: "*📶 Value tier movements* ({up} up, {down} down)"},
    "quarter_tier_up": {ZH: "• ⬆️ {customer}（{code}）：{old} → {new}", EN: "• ⬆️ {customer} ({code}): {old} → {new}"},
    "quarter_tier_down": {ZH: "• ⬇️ {customer}（{code}）：{old} → {new}", EN: "• ⬇️ {customer} ({code}): {old} → {new}"},
    "quarter_rcv_head": {ZH: "*💰 本季度回款*（应收 · 回款 · 季末逾期）",
                         EN: "*💰 Receivables of the quarter* (due · collected · overdue at the quarter's end)"},
    "quarter_rcv_line": {ZH: "• 应收 {due}（{due_count} 期）· 回款 {collected}（{collected_count} 笔）· "
                             "季末逾期 {overdue}（{overdue_count} 期）",
                         EN: "• due {due} ({due_count}) · collected {collected} ({collected_count}) · "
                             "overdue {overdue} ({overdue_count})"},
    "quarter_nps_tier_head": {ZH: "*⭐ 各价值分层 NPS*", EN: "*⭐ NPS by value tier*"},
    "quarter_nps_tier": {ZH: "• {tier}：{nps}（{count} 份：推荐 {promoters}、中立 {passives}、贬损 {detractors}）",
                         EN: plural(one="• {tier}: {nps} ({count} answer: promoters {promoters}, passives {passives}, detractors {detractors})",
                                    other="• {tier}: {nps} ({count} answers: promoters {promoters}, passives {passives}, "
                                          "detractors {detractors})")},
})
