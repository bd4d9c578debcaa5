"""Text for interaction outcomes (/crm log) and the behaviour tags the rules compute (store/behaviour_tags.py
holds the tags' own labels and reasons, beside the rules)."""
from __future__ import annotations

from handlers.texts import EN, ZH

TEXTS: dict[str, dict[str, str]] = {
    "f_outcome": {ZH: "结果", EN: "Outcome"},
    "f_outcome_hint": {ZH: "选填；连续 3 次“未接通”或“未回复”会给客户打上“未响应近3次跟进”标签。",
                       EN: "Optional; 3 in a row of “no answer” or “no reply” tag the customer “no reply to the last 3 follow-ups”."},
    "outcome_reached": {ZH: "已联系上", EN: "Reached"},
    "outcome_no_answer": {ZH: "未接通", EN: "No answer"},
    "outcome_replied": {ZH: "已回复", EN: "Replied"},
    "outcome_no_reply": {ZH: "未回复", EN: "No reply"},
    "err_outcome": {ZH: "请从列表中选择结果。", EN: "Pick an outcome from the list."},
    # the card
    "tags_sec": {ZH: "*行为标签*（系统根据互动记录计算）", EN: "*Behaviour tags* (computed from the interactions)"},
    "tags_line": {ZH: "• {label}：{why}", EN: "• {label}: {why}"},
    "tags_remove": {ZH: "移除“{label}”", EN: "Remove “{label}”"},
    "tags_restore": {ZH: "恢复“{label}”", EN: "Restore “{label}”"},
    "tags_removed_line": {ZH: "已移除（系统不会自动加回）：{labels}", EN: "Removed (the rules will not put them back): {labels}"},
    "tags_sep": {ZH: "、", EN: ", "},
    # removing one
    "tags_removed": {ZH: "已移除 *{customer}* 的行为标签“{label}”，系统不会再自动加回。",
                     EN: "Removed the behaviour tag “{label}” from *{customer}*; the rules will not put it back."},
    "tags_restored": {ZH: "已恢复 *{customer}* 的行为标签“{label}”，之后由系统按规则维护。",
                      EN: "Restored the behaviour tag “{label}” on *{customer}*; the rules keep it current from now on."},
    "err_tag_not_removed": {ZH: "这个客户的这个行为标签没有被移除，无需恢复。",
                            EN: "That behaviour tag was not removed from this customer: there is nothing to restore."},
    "err_tag_unknown": {ZH: "没有“{tag}”这个行为标签；可写编号或名称：{tags}。",
                        EN: "There is no behaviour tag “{tag}”; give a code or a label: {tags}."},
    # python -m bot tags
    "tags_cli_head": {ZH: "{code} {name} 的行为标签：", EN: "Behaviour tags of {code} {name}:"},
    "tags_cli_line": {ZH: "  {label}（{tag}）：{why}", EN: "  {label} ({tag}): {why}"},
    "tags_cli_removed": {ZH: "  已移除：{label}（{tag}），{by} 于 {at}", EN: "  removed: {label} ({tag}), by {by} on {at}"},
    "tags_cli_none": {ZH: "  （没有）", EN: "  (none)"},
    "tags_cli_removed_done": {ZH: "已移除 {code} {name} 的行为标签“{label}”，系统不会再自动加回",
                              EN: "Removed the behaviour tag “{label}” from {code} {name}; the rules will not put it back"},
    "tags_cli_restored_done": {ZH: "已恢复 {code} {name} 的行为标签“{label}”，之后由系统按规则维护",
                               EN: "Restored the behaviour tag “{label}” on {code} {name}; the rules keep it current from now on"},
    "err_tag_not_on": {ZH: "这个客户现在没有这个行为标签（可能已被移除）。",
                       EN: "This customer does not carry that behaviour tag now (it may have been removed already)."},
}
