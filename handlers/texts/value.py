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
}
