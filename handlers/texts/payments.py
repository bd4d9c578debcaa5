"""Text for money after signing: payment schedules, receipts, the overdue alerts, receivables and
renewals (handlers/payments/)."""
from __future__ import annotations

from handlers.texts import EN, ZH

TEXTS: dict[str, dict[str, str]] = {
    "help_pay": {ZH: "• `/crm pay 星河科技` 查看并设置赢单商机的回款计划、登记收款；只写 `/crm pay` 列出你待收的回款",
                 EN: "• `/crm pay Galaxy Tech` shows and sets the payment schedules of won deals and records payments; "
                     "`/crm pay` alone lists your open instalments"},
    "pay_usage": {ZH: "用法：`/crm pay <客户名称或编号>`，例如 `/crm pay 星河科技`；只写 `/crm pay` 列出你待收的回款。",
                  EN: "Usage: `/crm pay <customer name or code>`, e.g. `/crm pay Galaxy Tech`; `/crm pay` alone lists your open instalments."},
    # the schedule, as a list
    "pay_deal_header": {ZH: "💰 *{title}* · {amount} {currency} · {customer} 的回款计划",
                        EN: "💰 Payment schedule of *{title}* · {amount} {currency} · {customer}"},
    "pay_none": {ZH: "还没有回款计划。", EN: "No payment schedule yet."},
    "pay_no_won": {ZH: "{customer}还没有赢单的商机。", EN: "{customer} has no won deal yet."},
    "pay_line": {ZH: "第 {seq} 期 · {amount} {currency} · {day} 到期 · {state}",
                 EN: "Instalment {seq} · {amount} {currency} · due {day} · {state}"},
    "pay_state_paid": {ZH: "✅ {day} 收齐", EN: "✅ paid in full {day}"},
    "pay_state_open": {ZH: "已收 {received}", EN: "{received} received"},
    "pay_state_overdue": {ZH: "🔴 已逾期 {days} 天，已收 {received}", EN: "🔴 {days} days overdue, {received} received"},
    "pay_collected": {ZH: "已回款 {received} / {scheduled} {currency}（{paid}/{count} 期收齐）",
                      EN: "Collected {received} of {scheduled} {currency} ({paid}/{count} instalments paid)"},
    "pay_btn_schedule": {ZH: "设置回款计划", EN: "Set payment schedule"},
    "pay_btn_receive": {ZH: "登记收款", EN: "Record payment"},
    "pay_btn_deal": {ZH: "回款", EN: "Payments"},
    "pay_more_deals": {ZH: "……还有 {count} 个赢单商机没有列出：在客户卡片的“商机”里查看。",
                       EN: "…and {count} more won deals: see them under the card's Deal button."},
    "pay_mine_header": {ZH: "💰 你待收的回款（按到期日）", EN: "💰 Your open instalments (soonest due first)"},
    "pay_mine_line": {ZH: "• {customer} · *{title}* 第 {seq} 期 · 尚欠 {outstanding} {currency} · {day} 到期{late}",
                      EN: "• {customer} · *{title}* instalment {seq} · {outstanding} {currency} outstanding · due {day}{late}"},
    "pay_mine_late": {ZH: " · 🔴 逾期 {days} 天", EN: " · 🔴 {days} days overdue"},
    "pay_mine_none": {ZH: "你没有待收的回款。", EN: "You have no open instalments."},
    # the schedule modal
    "pay_schedule_title": {ZH: "回款计划", EN: "Payment schedule"},
    "pay_f_terms": {ZH: "付款比例（%）", EN: "Split (%)"},
    "pay_f_terms_hint": {ZH: "如 30/60/10：各期占合同金额的百分比，合计 100；金额四舍五入到分，尾差计入最后一期。",
                         EN: "E.g. 30/60/10: each instalment's percent of the deal, adding up to 100; amounts are rounded "
                             "to the cent, the last instalment takes the rest."},
    "pay_f_first": {ZH: "第一期到期日", EN: "First due date"},
    "pay_f_every": {ZH: "每期间隔（天）", EN: "Days between instalments"},
    "pay_f_every_hint": {ZH: "第 k 期到期日 = 第一期到期日 + (k-1) × 间隔天数。", EN: "Instalment k is due on the first due date + (k-1) × this many days."},
    "pay_f_dates": {ZH: "或：逐期到期日", EN: "Or: each due date"},
    "pay_f_dates_hint": {ZH: "每期一个日期（YYYY-MM-DD），按顺序，用空格或逗号分隔；填了就不用上面的间隔。",
                         EN: "One date per instalment (YYYY-MM-DD), in order, separated by spaces or commas; replaces the spacing above."},
    "pay_f_hand": {ZH: "或：手工录入", EN: "Or: by hand"},
    "pay_f_hand_hint": {ZH: "每行一期：金额 日期，如 `30000 2026-12-01`；合计要等于合同金额。填了就不用付款比例。",
                        EN: "One instalment a line: amount date, e.g. `30000 2026-12-01`; they must add up to the deal's amount. "
                            "Replaces the split."},
    # the receipt modal
    "pay_receive_title": {ZH: "登记收款", EN: "Record payment"},
    "pay_f_amount": {ZH: "收款金额", EN: "Amount received"},
    "pay_f_day": {ZH: "到账日期", EN: "Received on"},
    # answers
    "pay_scheduled": {ZH: "✅ 已为 *{title}*（{customer}）设置回款计划，共 {count} 期：\n{lines}",
                      EN: "✅ Payment schedule of *{title}* ({customer}) set, {count} instalments:\n{lines}"},
    "pay_received": {ZH: "✅ 已登记 *{title}*（{customer}）第 {seq} 期收款 {amount} {currency}（{day}）。{state}",
                     EN: "✅ Recorded {amount} {currency} received on {day} for *{title}* ({customer}), instalment {seq}. {state}"},
    "pay_received_full": {ZH: "该期已收齐。", EN: "This instalment is paid in full."},
    "pay_received_rest": {ZH: "该期尚欠 {outstanding} {currency}。", EN: "{outstanding} {currency} still outstanding on it."},
    # refusals
    "pay_err_terms": {ZH: "付款比例要写成 30/60/10 这样：各期百分比用 / 分隔，都大于 0。",
                      EN: "Write the split like 30/60/10: each instalment's percent, separated by /, each above 0."},
    "pay_err_terms_sum": {ZH: "各期比例合计是 {total}%，要正好 100%。", EN: "The percents add up to {total}%, not 100%."},
    "pay_err_count": {ZH: "一个回款计划最多 {limit} 期。", EN: "A payment schedule has at most {limit} instalments."},
    "pay_err_every": {ZH: "间隔天数要是 1 到 {limit} 的整数。", EN: "The days between instalments must be a whole number from 1 to {limit}."},
    "pay_err_first": {ZH: "请选择第一期到期日，或逐期写出到期日。", EN: "Pick the first due date, or type each due date."},
    "pay_err_date": {ZH: "“{text}”不是 YYYY-MM-DD 格式的日期。", EN: "“{text}” is not a date written YYYY-MM-DD."},
    "pay_err_dates_order": {ZH: "到期日要按先后顺序写。", EN: "The due dates must be in order, earliest first."},
    "pay_err_dates_count": {ZH: "写了 {dates} 个到期日，但付款比例有 {parts} 期。", EN: "{dates} due dates for {parts} instalments."},
    "pay_err_hand_empty": {ZH: "请写付款比例，或手工录入各期。", EN: "Give a split, or enter the instalments by hand."},
    "pay_err_hand_line": {ZH: "第 {line} 行要写成“金额 日期”，如 `30000 2026-12-01`，金额大于 0。",
                          EN: "Line {line} should read “amount date”, e.g. `30000 2026-12-01`, the amount above 0."},
    "pay_err_hand_total": {ZH: "各期合计 {total}，与合同金额 {amount} 不符。", EN: "The instalments add up to {total}, not the deal's {amount}."},
    "pay_err_not_won": {ZH: "只有赢单的商机才有回款计划。", EN: "Only a won deal has a payment schedule."},
    "pay_err_has_receipts": {ZH: "这个回款计划已经有收款，不能再改。", EN: "Money was already received against this schedule: it can no longer be changed."},
    "pay_err_amount": {ZH: "收款金额要大于 0。", EN: "The amount received must be above 0."},
    "pay_err_overpaid": {ZH: "这一期只欠 {outstanding} {currency}，收款不能超过它。",
                         EN: "Only {outstanding} {currency} is outstanding on this instalment: record no more than that."},
    "pay_err_future_day": {ZH: "到账日期不能晚于今天。", EN: "The day received cannot be after today."},
    "pay_err_unknown_instalment": {ZH: "找不到这一期回款。", EN: "That instalment does not exist."},
    # alerts
    "pay_overdue_header": {ZH: "🔴 回款逾期：{customer} · *{title}* 第 {seq} 期 {amount} {currency}，{day} 到期，尚欠 {outstanding} {currency}。",
                           EN: "🔴 Payment overdue: {customer} · *{title}* instalment {seq}, {amount} {currency} due {day}, "
                               "{outstanding} {currency} outstanding."},
    "pay_overdue_fallback": {ZH: "回款逾期：{customer} 第 {seq} 期", EN: "Payment overdue: {customer} instalment {seq}"},
    "pay_escalate_header": {ZH: "⚠️ {owner} 的回款已逾期 {days} 天：{customer} · *{title}* 第 {seq} 期，{day} 到期，尚欠 {outstanding} {currency}。",
                            EN: "⚠️ {owner}'s payment is {days} days overdue: {customer} · *{title}* instalment {seq}, due {day}, "
                                "{outstanding} {currency} outstanding."},
    "pay_escalate_fallback": {ZH: "回款逾期 {days} 天：{customer}", EN: "Payment {days} days overdue: {customer}"},
}
