"""Every code the customer lifecycle stores, with its zh-CN and English labels: the one place.

Plain data. The database keeps the stable English codes; handlers show `label(kind, code,
locale)` or merge `catalog()` (keys `vocab_<kind>_<code>`, e.g. `vocab_status_to_nurture`, a
prefix of their own so they never meet the catalog's other keys) into their text catalog. The lifecycle rules themselves (which status belongs to which stage, which stage may
follow which) live in store/lifecycle.py.
"""
from __future__ import annotations

ZH, EN = "zh-CN", "en"

# kind -> code -> (zh-CN, en). Dicts keep their order: it is the order a form lists them in.
VOCAB: dict[str, dict[str, tuple[str, str]]] = {
    "stage": {
        "lead": ("线索期", "Lead"),
        "nurturing": ("培育期", "Nurturing"),
        "converted": ("转化期", "Converted"),
        "mature": ("成熟期", "Mature"),
        "churned": ("流失期", "Churned"),
    },
    "status": {
        "to_nurture": ("待培育", "To nurture"),
        "low_intent": ("低意向", "Low intent"),
        "high_intent": ("高意向", "High intent"),
        "clear_intent": ("意向明确", "Clear intent"),
        "needs_follow_up": ("需跟进", "Needs follow-up"),
        "to_abandon": ("待放弃", "About to drop"),
        "signed": ("已签约", "Signed"),
        "implementing": ("实施中", "Implementing"),
        "delivered": ("已交付", "Delivered"),
        "high_loyalty": ("高忠诚度", "Highly loyal"),
        "stable": ("稳定", "Stable"),
        "needs_attention": ("需关注", "Needs attention"),
        "winning_back": ("挽回中", "Winning back"),
        "won_back": ("已挽回", "Won back"),
        "win_back_failed": ("挽回失败", "Win-back failed"),
        "lost_for_good": ("不可挽回", "Lost for good"),
    },
    "source": {
        "exhibition": ("展会", "Exhibition"),
        "website_form": ("官网表单", "Website form"),
        "referral": ("转介绍", "Referral"),
        "online_ads": ("线上广告", "Online ads"),
        "content": ("内容营销", "Content"),
        "phone_enquiry": ("电话咨询", "Phone enquiry"),
        "social": ("社交媒体", "Social media"),
        "other": ("其他", "Other"),
    },
    "value_tier": {
        "high": ("高价值", "High value"),
        "medium": ("中价值", "Medium value"),
        "low": ("低价值", "Low value"),
    },
    "need_type": {
        "price_sensitive": ("价格敏感型", "Price-sensitive"),
        "service_oriented": ("服务导向型", "Service-oriented"),
        "innovation_partner": ("创新合作型", "Innovation partner"),
        "stable_maintenance": ("稳定维护型", "Stable maintenance"),
    },
    "tag_kind": {
        "free": ("自定义", "Free"),
        "need_stage": ("需求阶段", "Need stage"),
        "behaviour": ("行为", "Behaviour"),
        "personal": ("个人", "Personal"),
    },
    "decision_role": {
        "contact": ("联系人", "Contact"),
        "decision_maker": ("决策人", "Decision maker"),
        "influencer": ("影响人", "Influencer"),
    },
    "grade": {
        "A": ("A 类", "Grade A"),
        "B": ("B 类", "Grade B"),
        "C": ("C 类", "Grade C"),
    },
    "bant_level": {
        "strong": ("充分", "Strong"),
        "weak": ("部分", "Partial"),
        "none": ("没有", "None"),
    },
    "need_kind": {
        "current": ("现有需求", "Current need"),
        "potential": ("潜在需求", "Potential need"),
    },
    "priority": {
        "high": ("高", "High"),
        "medium": ("中", "Medium"),
        "low": ("低", "Low"),
    },
    "need_status": {
        "not_started": ("未跟进", "Not started"),
        "in_progress": ("跟进中", "In progress"),
        "resolved": ("已解决", "Resolved"),
        "abandoned": ("已放弃", "Abandoned"),
    },
    "deal_stage": {
        "qualification": ("资格确认", "Qualification"),
        "proposal": ("方案报价", "Proposal"),
        "negotiation": ("商务谈判", "Negotiation"),
        "won": ("赢单", "Won"),
        "lost": ("丢单", "Lost"),
    },
    # Titles of the next actions the lifecycle and the cadence sweep create (NextAction.origin).
    "auto_action": {
        "first_contact": ("首次联系新线索", "First contact with the new lead"),
        "needs_research": ("完成需求调研", "Research the customer's needs"),
        "signing": ("推进签约", "Get the contract signed"),
        "satisfaction_check": ("交付后满意度回访", "Satisfaction check after delivery"),
        "quarterly_review": ("季度客户回顾", "Quarterly customer review"),
        "win_back": ("流失客户挽回", "Win the customer back"),
        "cadence": ("定期跟进", "Follow-up is due"),
        "retention_price": ("挽留客户：价格调整", "Keep the customer: price offer"),
        "retention_service_upgrade": ("挽留客户：服务升级", "Keep the customer: service upgrade"),
        "retention_specific_fix": ("挽留客户：解决具体问题", "Keep the customer: fix the specific problem"),
        # maintenance by value tier (store/tier_cadence.py)
        "care_high_call": ("高价值客户电话回访", "High-value call"),
        "care_high_visit": ("高价值客户拜访", "High-value visit"),
        "care_medium_touch": ("中价值客户维护", "Medium-value touch"),
        "care_low_touch": ("低价值客户维护", "Low-value touch"),
        # an imported row's 下次跟进时间 without 备注 (store/customer_rows.py)
        "follow_up": ("跟进", "Follow up"),
    },
    # How a customer's grade was set (Customer.grade_source), as the history shows it.
    "grade_source": {
        "manual": ("手动评级", "by hand"),
        "bant": ("按 BANT 评级", "from BANT"),
    },
}


def codes(kind: str) -> tuple[str, ...]:
    return tuple(VOCAB[kind])


def label(kind: str, code: str, locale: str | None = ZH) -> str:
    """The label in zh-CN for zh locales, English otherwise; the code itself when unknown."""
    pair = VOCAB.get(kind, {}).get(code)
    if pair is None:
        return code
    return pair[0] if (locale or "").lower().startswith("zh") else pair[1]


def catalog() -> dict[str, dict[str, str]]:
    """Every label as text-catalog entries: {"vocab_stage_lead": {"zh-CN": "线索期", "en": "Lead"}, ...}."""
    return {f"vocab_{kind}_{code}": {ZH: zh, EN: en} for kind, entries in VOCAB.items() for code, (zh, en) in entries.items()}
