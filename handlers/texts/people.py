"""Text for /crm admin and /crm quiet."""
from __future__ import annotations

from handlers.texts import EN, ZH, plural

TEXTS: dict[str, dict[str, str]] = {
    "help_quiet": {ZH: "• `/crm quiet 22:00-07:30` 设置免打扰时段（`off` 关闭，`default` 恢复默认）",
                   EN: "• `/crm quiet 22:00-07:30` sets your quiet hours (`off` for none, `default` to reset)"},
    "help_admin": {ZH: "• `/crm admin` 管理员：设置角色、经理，查看发送失败的提醒",
                   EN: "• `/crm admin` for admins: roles, managers, alerts Slack refused"},
    "admin_usage": {
        ZH: "管理员命令：\n• `/crm admin role @某人 rep|manager|admin`\n• `/crm admin manager @销售 @经理`（只写一人则清除）\n"
            "• `/crm admin team` 查看角色与经理\n• `/crm admin failures` 查看发送失败、不再重试的提醒",
        EN: "Admin commands:\n• `/crm admin role @someone rep|manager|admin`\n• `/crm admin manager @rep @manager` (name only the rep to clear)\n"
            "• `/crm admin team` lists roles and managers\n• `/crm admin failures` lists alerts Slack refused for good",
    },
    "err_admin_only": {ZH: "只有管理员可以这样做。", EN: "Only admins can do that."},
    "err_role": {ZH: "没有“{role}”这个角色：可选 rep、manager、admin。", EN: "There is no role “{role}”: use rep, manager or admin."},
    "err_own_manager": {ZH: "一个人不能做自己的经理。", EN: "Nobody can be their own manager."},
    "role_rep": {ZH: "销售", EN: "rep"},
    "role_manager": {ZH: "经理", EN: "manager"},
    "role_admin": {ZH: "管理员", EN: "admin"},
    "admin_role_set": {ZH: "已把 {user} 设为{role}。", EN: "{user} is now {role}."},
    "admin_manager_set": {ZH: "{user} 的经理现在是 {manager}。", EN: "{user} now reports to {manager}."},
    "admin_manager_cleared": {ZH: "已清除 {user} 的经理。", EN: "{user} has no manager now."},
    "admin_no_failures": {ZH: "没有发送失败的提醒。", EN: "No alert has been refused by Slack."},
    "admin_failures_header": {ZH: "最近 {count} 条发送失败、不再重试的提醒：", EN: plural(one="The last alert Slack refused for good:",
                                                                                       other="The last {count} alerts Slack refused for good:")},
    "admin_failure_line": {ZH: "• {when} `{kind}` 给 {user}：{error}（尝试 {attempts} 次）",
                           EN: "• {when} `{kind}` to {user}: {error} ({attempts} attempts)"},
    "admin_team_header": {ZH: "角色与经理：", EN: "Roles and managers:"},
    "admin_team_admin_env": {ZH: "• {user}：管理员（CRM_ADMINS）", EN: "• {user}: admin (CRM_ADMINS)"},
    "admin_team_line": {ZH: "• {user}：{role}，经理 {manager}", EN: "• {user}: {role}, manager {manager}"},
    "err_quiet_format": {ZH: "免打扰时段的格式是 21:00-08:00，或 off。", EN: "Quiet hours look like 21:00-08:00, or off."},
    "quiet_now": {ZH: "你的免打扰时段：{window}（{tz}）。紧急提醒（SLA 超时、升级）不受影响。",
                  EN: "Your quiet hours: {window} ({tz}). Urgent alerts (SLA breaches, escalations) still come through."},
    "quiet_set": {ZH: "好的，{window}（{tz}）期间的非紧急提醒会等到结束后再发。", EN: "Done: non-urgent alerts wait out {window} ({tz})."},
    "quiet_off": {ZH: "已关闭免打扰，提醒随时送达。", EN: "Quiet hours off: alerts arrive at any time."},
    "quiet_default": {ZH: "已恢复默认免打扰时段 {window}。", EN: "Back to the default quiet hours, {window}."},
}
