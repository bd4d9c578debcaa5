"""Text for care by customer value: value tiers (/crm tier, the card's mark), maintenance cadence by
tier, average order value growth (handlers/value/)."""
from __future__ import annotations

from handlers.texts import EN, ZH

TEXTS: dict[str, dict[str, str]] = {
    "help_tier": {ZH: "• `/crm tier 星河科技 high` 手动设定客户价值分层（high / medium / low，或 高 / 中 / 低）；`auto` 交回每晚按年度赢单金额计算",
                  EN: "• `/crm tier Galaxy Tech high` sets a customer's value tier by hand (high / medium / low); `auto` hands it "
                      "back to the nightly computation from the yearly won amount"},
    "tier_usage": {ZH: "用法：`/crm tier <客户> high|medium|low|auto`，例如 `/crm tier 星河科技 high`。",
                   EN: "Usage: `/crm tier <customer> high|medium|low|auto`, e.g. `/crm tier Galaxy Tech high`."},
    "tier_set": {ZH: "✅ {customer}的价值分层：{before} → {after}（手动设置，每晚计算时保留）。",
                 EN: "✅ Value tier of {customer}: {before} → {after} (set by hand, kept by the nightly computation)."},
    "tier_auto": {ZH: "✅ {customer}的价值分层交回自动计算：今晚起按年度赢单金额重新分层（当前 {tier}）。",
                  EN: "✅ The value tier of {customer} is computed again: from tonight by the yearly won amount (now {tier})."},
    "tier_none": {ZH: "未分层", EN: "no tier"},
    "tier_mark_auto": {ZH: "（按年度赢单金额）", EN: " (from the yearly won amount)"},
    "tier_mark_manual": {ZH: "（手动设置）", EN: " (set by hand)"},
    # python -m bot tiers
    "tiers_cli_head": {ZH: "{tier}（{count} 个）", EN: "{tier} ({count})"},
    "tiers_cli_line": {ZH: "  {code} {name} · 近 365 天赢单 {won} · {source}", EN: "  {code} {name} · won in the last 365 days: {won} · {source}"},
    "tiers_cli_sep": {ZH: "，", EN: ", "},
    "tiers_cli_nothing": {ZH: "无", EN: "nothing"},
    "tiers_cli_by_hand": {ZH: "手动设置", EN: "set by hand"},
    "tiers_cli_computed": {ZH: "自动计算", EN: "computed"},
    "tiers_cli_set": {ZH: "{code} {name} 的价值分层：{before} → {after}（手动设置，每晚计算时保留）",
                      EN: "Value tier of {code} {name}: {before} → {after} (set by hand, kept by the nightly computation)"},
    "tiers_cli_auto": {ZH: "{code} {name} 的价值分层交回自动计算：下次计算起按年度赢单金额重新分层（当前 {after}）",
                       EN: "The value tier of {code} {name} is computed again: from the next computation by the yearly won amount (now {after})"},
    "tiers_cli_recomputed": {ZH: "已按年度赢单金额重新分层：{count} 个客户有变化", EN: "Value tiers recomputed from the yearly won amount: {count} changed"},
    "tiers_cli_change": {ZH: "  {code} {name}：{before} → {after}", EN: "  {code} {name}: {before} → {after}"},
    # average order value growth in /crm stats, the digests and the report
    "aov_sec": {ZH: "*📈 客单价增长率*（近 12 个月 / 前 12 个月，按价值分层和负责人）",
                EN: "*📈 Average order value growth* (last 12 months / the 12 before, by value tier and rep)"},
    "aov_line": {ZH: "• {who}：{value} / {previous}（{growth}）{miss}", EN: "• {who}: {value} / {previous} ({growth}){miss}"},
    "aov_line_first": {ZH: "• {who}：{value}（前 12 个月没有赢单，无从比较）", EN: "• {who}: {value} (no deal won in the 12 months before: nothing to compare)"},
    "aov_tier_none": {ZH: "未分层", EN: "No tier"},
    "aov_miss": {ZH: " ⚠️ 目标 ≥ {target}%", EN: " ⚠️ target ≥ {target}%"},
    "aov_csv_header": {ZH: "客单价", EN: "average order value"},
    "aov_csv_currency": {ZH: "币种", EN: "currency"},
    "aov_csv_value": {ZH: "近 12 个月", EN: "last 12 months"},
    "aov_csv_previous": {ZH: "前 12 个月", EN: "12 months before"},
    "aov_csv_growth": {ZH: "增长率（%）", EN: "growth (%)"},
    "aov_csv_target": {ZH: "目标", EN: "target"},
    "aov_csv_missed": {ZH: "未达标", EN: "missed"},
}
