"""Text for `python -m bot import` and `export`."""
from __future__ import annotations

from handlers.texts import EN, ZH, plural

TEXTS: dict[str, dict[str, str]] = {
    "imp_owner_unknown": {ZH: "找不到负责人“{owner}”：请写 Slack 用户的邮箱、名字或 ID（如 U0123ABCD）；名字和邮箱只认得用过机器人的同事。",
                          EN: "No Slack user “{owner}”: give the owner's email, name or Slack ID (e.g. U0123ABCD); names and emails are known only for people who have used the bot."},
    "imp_owner_ambiguous": {ZH: "“{owner}”对应 {count} 个 Slack 用户：请改写邮箱或 Slack ID。",
                            EN: "“{owner}” matches {count} Slack users: give the email or Slack ID instead."},
    "imp_owner_no_id": {ZH: "Slack 里没有 ID 为“{owner}”的用户：请检查 ID，或改写邮箱、名字。",
                        EN: "Slack has no user with the ID “{owner}”: check it, or give the email or name instead."},
    "imp_owner_not_in_slack": {ZH: "在 Slack 里找不到负责人“{owner}”：请写 Slack 用户的邮箱、真实姓名、显示名或 ID（如 U0123ABCD）。",
                               EN: "No Slack user “{owner}”: give the owner's email, real name, display name or Slack ID (e.g. U0123ABCD)."},
    "imp_owner_candidates": {ZH: "“{owner}”对应 {count} 个 Slack 用户：{candidates}。请改写邮箱或 Slack ID。",
                             EN: "“{owner}” matches {count} Slack users: {candidates}. Give the email or Slack ID instead."},
    # --dry-run: how each owner was matched
    "imp_owner_matched": {ZH: "负责人“{owner}” → {user}{name}：{how}", EN: "Owner “{owner}” → {user}{name}: {how}"},
    "imp_owner_matched_name": {ZH: "（{name}）", EN: " ({name})"},
    "imp_how_id": {ZH: "Slack ID", EN: "Slack ID"},
    "imp_how_mention": {ZH: "Slack 提及", EN: "Slack mention"},
    "imp_how_email_known": {ZH: "用过机器人的同事的邮箱", EN: "email of someone who has used the bot"},
    "imp_how_email": {ZH: "邮箱（Slack users.lookupByEmail）", EN: "email (Slack users.lookupByEmail)"},
    "imp_how_real_name": {ZH: "Slack 真实姓名", EN: "real name in Slack"},
    "imp_how_display_name": {ZH: "Slack 显示名", EN: "display name in Slack"},
    "imp_how_username": {ZH: "Slack 用户名", EN: "Slack username"},
    "imp_how_name_known": {ZH: "用过机器人的同事的名字", EN: "name of someone who has used the bot"},
    "imp_owner_missing": {ZH: "没有负责人：请填写负责人，或用 --default-owner 指定。", EN: "No owner: fill it in, or give --default-owner."},
    "imp_stage": {ZH: "看不懂阶段状态“{value}”：请写状态（如 高意向、已签约）或阶段（如 线索期）。",
                  EN: "Cannot read the stage “{value}”: write a status (e.g. High intent, Signed) or a stage (e.g. Lead)."},
    "imp_stage_status_needed": {ZH: "“{value}”要写明状态：挽回中、已挽回、挽回失败或不可挽回。",
                                EN: "“{value}” needs a status: Winning back, Won back, Win-back failed or Lost for good."},
    "imp_choice": {ZH: "“{value}”不是可选的值。", EN: "“{value}” is not one of the choices."},
    "imp_grade": {ZH: "等级只能是 A、B 或 C，不是“{value}”。", EN: "The grade is A, B or C, not “{value}”."},
    "imp_number": {ZH: "“{value}”不是一个整数（如 350）。", EN: "“{value}” is not a whole number (e.g. 350)."},
    "imp_code": {ZH: "编号“{value}”只能有字母、数字、- 和 _，最多 {limit} 个字符。",
                 EN: "The code “{value}” may hold letters, digits, - and _ only, at most {limit}."},
    "imp_contact_info_two": {ZH: "联系方式最多写一个电话和一个邮箱。", EN: "Contact info holds at most one phone and one email."},
    "imp_ambiguous": {ZH: "匹配到多个客户（{codes}）：请填写编号指明是哪一个。",
                      EN: "This matches several customers ({codes}): give the code to say which."},
    "imp_header_missing": {ZH: "表头缺少“{column}”列。", EN: "The header has no “{column}” column."},
    "imp_header_twice": {ZH: "表头中“{column}”列出现了两次。", EN: "The header has the “{column}” column twice."},
    "imp_line": {ZH: "第 {line} 行：{reason}", EN: "line {line}: {reason}"},
    "imp_line_column": {ZH: "第 {line} 行，{column}：{reason}", EN: "line {line}, {column}: {reason}"},
    "imp_rejected": {ZH: "有 {count} 处问题，什么都没有导入。", EN: plural(one="{count} problem: nothing was imported.",
                                                                         other="{count} problems: nothing was imported.")},
    "imp_ignored": {ZH: "忽略的列：{columns}", EN: "Columns ignored: {columns}"},
    "imp_done": {ZH: "共 {count} 行：新建客户 {created} 个，{updated} 行补充了已有的客户，{unchanged} 行没有新内容；新增联系人 {contacts} 个，下一步行动 {actions} 个。",
                 # one number per label, so no noun needs the plural of a number it does not count
                 EN: plural(one="{count} row. New customers: {created}; rows adding to customers already known: {updated}; rows with nothing "
                                "new: {unchanged}; contacts added: {contacts}; next actions added: {actions}.",
                            other="{count} rows. New customers: {created}; rows adding to customers already known: {updated}; rows with "
                                  "nothing new: {unchanged}; contacts added: {contacts}; next actions added: {actions}.")},
    "imp_overdue": {ZH: "其中 {count} 个下一步行动已经到期，机器人的调度器下一次运行时就会提醒负责人。",
                    EN: plural(
                        one="{count} of those next actions is already due: the bot's scheduler reminds its owner on its next run.",
                        other="{count} of those next actions are already due: the bot's scheduler reminds their owners on its next run.")},
    "imp_dry_run": {ZH: "只做了检查（--dry-run），没有写入任何内容。", EN: "Checked only (--dry-run): nothing was written."},
    "imp_phase_check": {ZH: "检查", EN: "checking"},
    "imp_phase_write": {ZH: "写入", EN: "writing"},
    "imp_unit": {ZH: "行", EN: " rows"},  # the progress bar's rate: 4512.40 rows/s
    "exp_done": {ZH: "已导出 {count} 个客户到 {path}。", EN: plural(one="Exported {count} customer to {path}.", other="Exported {count} customers to {path}.")},
}
