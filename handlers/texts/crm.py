"""Text for the customer record: the store's labels (stages, statuses, sources, ...) and its refusals."""
from __future__ import annotations

from handlers.texts import EN, ZH
from store.vocab import catalog

_INVALID = {ZH: "“{value}”不是可选的值。", EN: "“{value}” is not one of the choices."}

TEXTS: dict[str, dict[str, str]] = {
    **catalog(),
    # Refusals name who may (store/permissions.py `forbidden`), never the customer.
    "err_forbidden": {ZH: "只有负责人 <@{owner}>、其经理或管理员可以修改这个客户。",
                      EN: "Only the owner <@{owner}>, their manager or an admin can change this customer."},
    "err_forbidden_read": {ZH: "只有负责人 <@{owner}>、其团队成员、其经理或管理员可以查看这个客户。",
                           EN: "Only the owner <@{owner}>, their teammates, their manager or an admin can see this customer."},
    "err_forbidden_read_own": {ZH: "只有负责人 <@{owner}>、其经理或管理员可以查看这个客户。",
                               EN: "Only the owner <@{owner}>, their manager or an admin can see this customer."},
    "err_forbidden_reassign": {ZH: "只有负责人 <@{owner}> 的经理或管理员可以把这个客户转给别人。",
                               EN: "Only the manager of the owner <@{owner}> or an admin can hand this customer to someone else."},
    "err_amount": {ZH: "金额要是不小于 0 的数字。", EN: "The amount must be a number, 0 or more."},
    "err_amount_too_big": {ZH: "金额太大：最多 9999999999999999.99。", EN: "That amount is too large: at most 9999999999999999.99."},
    "err_deal_closed": {ZH: "这个商机已经结束（赢单或丢单），不能再改。", EN: "That deal is closed (won or lost) and cannot change."},
    "err_deal_stage": {ZH: "没有“{stage}”这个商机阶段。", EN: "There is no deal stage “{stage}”."},
    "err_email": {ZH: "邮箱格式不对，例如 name@example.com。", EN: "That is not an email address, e.g. name@example.com."},
    "err_phone": {ZH: "电话号码格式不对：只能有数字（可带 +、-、空格）。", EN: "That is not a phone number: digits only (+, - and spaces allowed)."},
    "err_grade": {ZH: "等级只能是 A、B 或 C。", EN: "The grade must be A, B or C."},
    "err_bant": {ZH: "BANT 每一项只能是强、弱或无。", EN: "Each BANT field is strong, weak or none."},
    "err_interaction": {ZH: "找不到那次互动。", EN: "That interaction does not exist."},
    "err_stage": {ZH: "没有“{stage}”这个阶段：线索期、培育期、成交期、成熟期、流失/挽回期。", EN: "There is no stage “{stage}”: lead, nurturing, converted, mature, churned."},
    "err_status": {ZH: "“{status}”不是这个阶段的状态。", EN: "“{status}” is not a status of that stage."},
    "err_status_required": {ZH: "转到这个阶段时要同时选择状态。", EN: "Moving to that stage needs a status too."},
    "err_transition": {ZH: "不能从这个阶段直接转到那个阶段（{stage_from} → {stage_to}）。", EN: "A customer cannot move straight from {stage_from} to {stage_to}."},
    "err_unknown_contact": {ZH: "找不到这个联系人。", EN: "That contact does not exist."},
    "err_unknown_deal": {ZH: "找不到这个商机。", EN: "That deal does not exist."},
    "err_unknown_need": {ZH: "找不到这条需求。", EN: "That need does not exist."},
    "err_contract_required": {ZH: "赢单需要填写合同编号。", EN: "A won deal needs its contract number."},
    "err_currency": {ZH: "币种请用三个字母的代码，如 CNY、USD。", EN: "Use a three-letter currency code such as CNY or USD."},
    "err_decision_role": {ZH: "决策角色只能是联系人、决策者或影响者。", EN: "The decision role is contact, decision maker or influencer."},
    "err_number": {ZH: "这里要填数字。", EN: "This must be a number."},
    "err_service_period": {ZH: "服务期的结束日期要晚于开始日期。", EN: "The service period must end after it starts."},
    "err_tag_kind": {ZH: "没有“{kind}”这类标签。", EN: "There is no tag kind “{kind}”."},
    "err_too_many": {ZH: "最多 {limit} 个。", EN: "At most {limit}."},
    "err_source": _INVALID,
    "err_value_tier": _INVALID,
    "err_need_type": _INVALID,
    "err_need_kind": _INVALID,
    "err_need_priority": _INVALID,
    "err_need_status": _INVALID,
}
