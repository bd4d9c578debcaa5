"""Text for the channel digests: `/crm digest` (handlers/digests/commands.py) and the digests themselves
(handlers/digests/messages.py)."""
from __future__ import annotations

from handlers.texts import EN, ZH, plural

TEXTS: dict[str, dict[str, str]] = {
    "digest_help": {
        ZH: "• `/crm digest subscribe #频道 每周 [团队|全部|@经理] [09:00]` 让频道定期收到团队简报（每天/每周/每月，经理和管理员）；"
            "`/crm digest list` 查看，`/crm digest unsubscribe #频道 [每周]` 退订",
        EN: "• `/crm digest subscribe #channel weekly [team|all|@manager] [09:00]` sends a channel the team's figures "
            "daily, weekly or monthly, or the quarterly review (managers and admins); `/crm digest list` shows them, "
            "`/crm digest unsubscribe #channel [weekly]` stops one",
    },
    "digest_usage": {
        ZH: "用法：\n• `/crm digest subscribe #频道 每天|每周|每月|每季 [团队|全部|@经理] [HH:MM]`（默认 09:00，按你的时区）\n"
            "• `/crm digest list`\n• `/crm digest unsubscribe #频道 [每天|每周|每月|每季]`",
        EN: "Usage:\n• `/crm digest subscribe #channel daily|weekly|monthly|quarterly [team|all|@manager] [HH:MM]` (09:00 by default, "
            "in your time zone)\n• `/crm digest list`\n• `/crm digest unsubscribe #channel [daily|weekly|monthly|quarterly]`",
    },
    # refusals
    "digest_err_role": {ZH: "只有经理和管理员可以管理频道简报。", EN: "Only managers and admins can manage channel digests."},
    "digest_err_all_admin": {ZH: "只有管理员可以订阅全员简报；经理可以订阅自己团队的。",
                             EN: "Only admins can subscribe everyone's digest; managers can subscribe their own team's."},
    "digest_err_other_team": {ZH: "你只能订阅自己团队的简报。", EN: "You can only subscribe your own team's digest."},
    "digest_err_word": {ZH: "看不懂 `{word}`。频道请用 #频道，频率用 每天/每周/每月/每季，时间用 HH:MM。",
                        EN: "I don't understand `{word}`. Give the channel as #channel, daily/weekly/monthly/quarterly, and the time as HH:MM."},
    "digest_err_time": {ZH: "时间要写成 24 小时制的 HH:MM，例如 09:00 或 17:30。",
                        EN: "Give the time as HH:MM on a 24-hour clock, e.g. 09:00 or 17:30."},
    "digest_err_cadence": {ZH: "频率只能是每天、每周、每月或每季。", EN: "The cadence is daily, weekly, monthly or quarterly."},
    "digest_err_tz": {ZH: "不认识时区 {value}。", EN: "Unknown time zone {value}."},
    "digest_err_private": {ZH: "我不在 <#{channel}> 里，进不去私有频道。请先在频道里输入 `/invite @CRM` 邀请我，再订阅一次。",
                           EN: "I'm not in <#{channel}> and can't join a private channel. Type `/invite @CRM` there first, "
                               "then subscribe again."},
    "digest_err_archived": {ZH: "<#{channel}> 已归档，无法发送简报。", EN: "<#{channel}> is archived; digests cannot go there."},
    "digest_err_dm": {ZH: "简报只能发到频道，不能发到私信。", EN: "Digests go to channels, not direct messages."},
    # answers
    "digest_cadence_daily": {ZH: "日报", EN: "daily digest"},
    "digest_cadence_weekly": {ZH: "周报", EN: "weekly digest"},
    "digest_cadence_monthly": {ZH: "月报", EN: "monthly digest"},
    "digest_cadence_quarter": {ZH: "季度复盘", EN: "quarterly review"},
    "digest_when_daily": {ZH: "每天 {time}（{tz}）", EN: "every day at {time} ({tz})"},
    "digest_when_weekly": {ZH: "每周一 {time}（{tz}）", EN: "Mondays at {time} ({tz})"},
    "digest_when_monthly": {ZH: "每月1日 {time}（{tz}）", EN: "on the 1st of each month at {time} ({tz})"},
    "digest_when_quarter": {ZH: "每季度首日（1、4、7、10月1日）{time}（{tz}）",
                              EN: "on the 1st of January, April, July and October at {time} ({tz})"},
    "digest_team": {ZH: "{team} 团队", EN: "{team}'s team"},
    "digest_everyone": {ZH: "全员", EN: "everyone"},
    "digest_subscribed": {ZH: "✅ {channel} 将收到{team}的{cadence}，{when}发送。下一次：{next}",
                          EN: "✅ {channel} will get the {cadence} for {team}, {when}. Next: {next}"},
    "digest_updated": {ZH: "✅ 已更新：{channel} 的{cadence}（{team}）改为{when}发送。下一次：{next}",
                       EN: "✅ Updated: {channel}'s {cadence} for {team} now goes {when}. Next: {next}"},
    "digest_list_header": {ZH: "*频道简报*（{count} 个）：", EN: "*Channel digests* ({count}):"},
    "digest_list_line": {ZH: "• {channel} · {cadence} · {team} · {when} · 下一次：{next}",
                         EN: "• {channel} · {cadence} · {team} · {when} · next: {next}"},
    "digest_list_more": {ZH: "……还有 {count} 个", EN: "… and {count} more"},
    "digest_list_none": {ZH: "还没有频道订阅简报。用 `/crm digest subscribe #频道 每周` 订阅。",
                         EN: "No channel gets a digest yet. Subscribe one with `/crm digest subscribe #channel weekly`."},
    "digest_unsubscribed": {ZH: "🗑 已退订 {channel} 的 {count} 个简报：", EN: plural(one="🗑 Stopped {count} digest in {channel}:",
                                                                                        other="🗑 Stopped {count} digests in {channel}:")},
    "digest_unsubscribed_line": {ZH: "• {cadence} · {team}", EN: "• {cadence} · {team}"},
    "digest_unsubscribed_none": {ZH: "{channel} 没有你可以退订的简报。", EN: "{channel} has no digest you can stop."},
    # the digest
    "digest_title_team": {ZH: "📊 {team} 团队{cadence} · {period}", EN: "📊 {team}'s team {cadence} · {period}"},
    "digest_title_all": {ZH: "📊 全员{cadence} · {period}", EN: "📊 Everyone's {cadence} · {period}"},
    "digest_charts_comment": {ZH: "{title}：转化漏斗和每周趋势", EN: "{title}: conversion funnel and weekly trend"},
    "digest_chart_funnel": {ZH: "转化漏斗", EN: "Conversion funnel"},
    "digest_chart_trend": {ZH: "最近 {weeks} 周趋势", EN: "Last {weeks} weeks"},
    # the monthly churn review
    "digest_review_header": {ZH: "*🔁 流失复盘 · {month}*", EN: "*🔁 Churn review · {month}*"},
    "digest_review_churned": {ZH: "流失客户 {count} 个：{reasons}", EN: "Customers churned: {count} — {reasons}"},
    "digest_review_reason": {ZH: "{reason} {count}", EN: "{reason} {count}"},
    "digest_review_sep": {ZH: "，", EN: ", "},
    "digest_review_no_reason": {ZH: "无", EN: "none"},
    "digest_review_recoverable": {ZH: "其中可挽回 {count} 个", EN: "Recoverable among them: {count}"},
    "digest_review_rate": {ZH: "挽回率 {pct}（当月结束的挽回方案 {count} 个，成功挽回 {won} 个）",
                           EN: plural(one="Recovery rate {pct} ({won} of {count} win-back plan closed in the month won the customer back)",
                                      other="Recovery rate {pct} ({won} of {count} win-back plans closed in the month won the customer back)")},
    "digest_review_rate_none": {ZH: "挽回率：当月没有结束的挽回方案", EN: "Recovery rate: no win-back plan closed in the month"},
    "digest_review_lessons": {ZH: "*经验教训*", EN: "*What we learned*"},
    "digest_review_lesson": {ZH: "• {customer}（{code}）· {reason}：{lessons}", EN: "• {customer} ({code}) · {reason}: {lessons}"},
    "digest_review_more": {ZH: "……还有 {count} 条", EN: "… and {count} more"},
}
