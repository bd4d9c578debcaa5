"""`python -m bot import` matching owners to Slack users, colleagues who never opened the bot
included: Slack IDs of any length and mentions (confirmed with users.info), emails
(users.lookupByEmail), real and display names (users.list, every page, once per run); an ambiguous
name refused naming the candidates; `--dry-run` saying how each owner was matched. The CLI runs as
a process against the fake Slack (SLACK_API_URL), on SQLite and PostgreSQL, in zh-CN and en."""
from __future__ import annotations

import pytest

from store.migrate import upgrade
from tests.conftest import REP
from tests.test_customer_import import counts, customers, run, users

ZH1, ZH2, LINA, SHORT, BOT = "UZH001", "U0ZHANG0002", "U0LINA0003", "UZH009", "U0ROBOT004"
# people in Slack who never used the bot, and more than one page of users.list (PAGE is 200)
CROWD = [f"U0CROWD{n:04d}" for n in range(230)]
FILE = ("客户名称,负责人\n"
        "星河科技,UZH001\n"             # a short Slack ID
        "北方重工,<@UZH001>\n"          # a mention
        "南方电子,王小明 (U0REP00001)\n"  # the export's form
        "东方物流,lina@example.com\n"   # an email Slack knows
        "西部能源,周杰\n"               # a real name in Slack only
        "中原建设,jay\n")              # a display name in Slack only


def _slack(fake) -> None:
    fake.add_user(ZH1, real_name="张伟", name="zhangwei", email="zw1@example.com")
    fake.add_user(ZH2, real_name="张伟", name="zw2", email="zw2@example.com")
    fake.add_user(LINA, real_name="Lina Wu", name="lina", email="lina@example.com")
    fake.add_user("U0ZHOU0005", real_name="周杰", name="zhoujie", display_name="jay", email="jay@example.com")
    fake.add_user("U0GONE0006", real_name="周杰", name="zhoujie_old", deleted=True)  # deactivated: not a candidate
    fake.add_user(BOT, real_name="周杰", name="zhoubot", is_bot=True)              # a bot: not a candidate
    for n, user_id in enumerate(CROWD):
        fake.add_user(user_id, real_name=f"Crowd {n}", name=f"crowd{n}")


def _env(database, fake, locale: str) -> dict[str, str]:
    return {"DATABASE_URL": database.url, "CRM_DEFAULT_LOCALE": locale, "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_API_URL": fake.url}


@pytest.mark.parametrize("locale, lines", [
    ("zh-CN", ["负责人“UZH001” → UZH001（张伟）：Slack ID",
               "负责人“<@UZH001>” → UZH001（张伟）：Slack 提及",
               "负责人“王小明 (U0REP00001)” → U0REP00001（王小明）：Slack ID",
               "负责人“lina@example.com” → U0LINA0003（Lina Wu）：邮箱（Slack users.lookupByEmail）",
               "负责人“周杰” → U0ZHOU0005（周杰）：Slack 真实姓名",
               "负责人“jay” → U0ZHOU0005（周杰）：Slack 显示名",
               "共 6 行：新建客户 6 个，0 行补充了已有的客户，0 行没有新内容；新增联系人 0 个，下一步行动 0 个。",
               "只做了检查（--dry-run），没有写入任何内容。"]),
    ("en", ["Owner “UZH001” → UZH001 (张伟): Slack ID",
            "Owner “<@UZH001>” → UZH001 (张伟): Slack mention",
            "Owner “王小明 (U0REP00001)” → U0REP00001 (王小明): Slack ID",
            "Owner “lina@example.com” → U0LINA0003 (Lina Wu): email (Slack users.lookupByEmail)",
            "Owner “周杰” → U0ZHOU0005 (周杰): real name in Slack",
            "Owner “jay” → U0ZHOU0005 (周杰): display name in Slack",
            "6 rows. New customers: 6; rows adding to customers already known: 0; rows with nothing new: 0; "
            "contacts added: 0; next actions added: 0.",
            "Checked only (--dry-run): nothing was written."])])
def test_owners_who_never_used_the_bot_are_matched_and_dry_run_says_how(empty_database, fake, tmp_path, locale, lines):
    upgrade(empty_database.url)
    _slack(fake)
    path = tmp_path / "leads.csv"
    path.write_text(FILE, encoding="utf-8-sig")
    env = _env(empty_database, fake, locale)
    checked = run(["import", str(path), "--dry-run"], env=env, cwd=tmp_path)
    assert (checked.returncode, checked.stdout.splitlines()) == (0, lines), checked.stderr
    assert counts(empty_database.factory)["Customer"] == 0
    # users.list read once for the run, both pages; each distinct ID confirmed once
    assert len(fake.calls_to("users.list")) == 2
    assert sorted(c.params["user"] for c in fake.calls_to("users.info")) == ["U0REP00001", ZH1]

    done = run(["import", str(path)], env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert [(row[1], row[2]) for row in customers(empty_database.factory)] == [
        ("星河科技", ZH1), ("北方重工", ZH1), ("南方电子", REP), ("东方物流", LINA), ("西部能源", "U0ZHOU0005"), ("中原建设", "U0ZHOU0005")]


@pytest.mark.parametrize("locale, said", [
    ("zh-CN", ["第 2 行，负责人：“张伟”对应 2 个 Slack 用户：张伟 (U0ZHANG0002, zw2@example.com), 张伟 (UZH001, zw1@example.com)。请改写邮箱或 Slack ID。",
               "第 3 行，负责人：在 Slack 里找不到负责人“nobody@example.com”：请写 Slack 用户的邮箱、真实姓名、显示名或 ID（如 U0123ABCD）。",
               "第 4 行，负责人：Slack 里没有 ID 为“UZH009”的用户：请检查 ID，或改写邮箱、名字。",
               "第 5 行，负责人：在 Slack 里找不到负责人“Nobody Here”：请写 Slack 用户的邮箱、真实姓名、显示名或 ID（如 U0123ABCD）。",
               "第 6 行，负责人：“张伟”对应 2 个 Slack 用户：张伟 (U0ZHANG0002, zw2@example.com), 张伟 (UZH001, zw1@example.com)。请改写邮箱或 Slack ID。",
               "有 5 处问题，什么都没有导入。"]),
    ("en", ["line 2, 负责人: “张伟” matches 2 Slack users: 张伟 (U0ZHANG0002, zw2@example.com), 张伟 (UZH001, zw1@example.com). "
            "Give the email or Slack ID instead.",
            "line 3, 负责人: No Slack user “nobody@example.com”: give the owner's email, real name, display name or Slack ID (e.g. U0123ABCD).",
            "line 4, 负责人: Slack has no user with the ID “UZH009”: check it, or give the email or name instead.",
            "line 5, 负责人: No Slack user “Nobody Here”: give the owner's email, real name, display name or Slack ID (e.g. U0123ABCD).",
            "line 6, 负责人: “张伟” matches 2 Slack users: 张伟 (U0ZHANG0002, zw2@example.com), 张伟 (UZH001, zw1@example.com). "
            "Give the email or Slack ID instead.",
            "5 problems: nothing was imported."])])
def test_an_ambiguous_or_unknown_owner_is_refused_naming_the_candidates(empty_database, fake, tmp_path, locale, said):
    upgrade(empty_database.url)
    users(empty_database.factory)
    _slack(fake)
    path = tmp_path / "leads.csv"
    path.write_text("客户名称,负责人\nA,张伟\nB,nobody@example.com\nC,UZH009\nD,Nobody Here\nE,  张伟 \n", encoding="utf-8-sig")
    done = run(["import", str(path), "--dry-run"], env=_env(empty_database, fake, locale), cwd=tmp_path)
    assert done.returncode == 1
    assert [line for line in done.stderr.splitlines() if " INFO " not in line] == said  # the migration's log lines aside
    assert "Traceback" not in done.stderr and counts(empty_database.factory)["Customer"] == 0
    assert len(fake.calls_to("users.list")) == 2  # once for the run, not once per row


def test_default_owner_by_email_and_a_slack_that_refuses_is_one_sentence(empty_database, fake, tmp_path):
    upgrade(empty_database.url)
    _slack(fake)
    path = tmp_path / "leads.csv"
    path.write_text("name\nGalaxy Tech\n", encoding="utf-8")
    env = _env(empty_database, fake, "en")
    done = run(["import", str(path), "--default-owner", "lina@example.com"], env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert [(row[1], row[2]) for row in customers(empty_database.factory)] == [("Galaxy Tech", LINA)]
    nowhere = run(["import", str(path), "--default-owner", "周杰"], env={**env, "SLACK_API_URL": "http://127.0.0.1:9/api/"},
                  cwd=tmp_path)  # nothing listens on port 9
    assert (nowhere.returncode, nowhere.stderr.splitlines()[-1].startswith("import: Slack did not answer users.list: ")) == (1, True)
    assert "Traceback" not in nowhere.stderr


@pytest.mark.parametrize("locale, said", [
    ("zh-CN", ["第 2 行，负责人：“old@example.com”是 周杰（U0GONE0006），这个 Slack 账号已停用或是机器人：请填写一位在职同事作为负责人。",
               "第 3 行，负责人：“U0GONE0006”是 周杰（U0GONE0006），这个 Slack 账号已停用或是机器人：请填写一位在职同事作为负责人。",
               "第 4 行，负责人：“<@U0ROBOT004>”是 周杰（U0ROBOT004），这个 Slack 账号已停用或是机器人：请填写一位在职同事作为负责人。",
               "有 3 处问题，什么都没有导入。"]),
    ("en", ["line 2, 负责人: “old@example.com” is 周杰 (U0GONE0006), a deactivated Slack account or a bot: "
            "give an active colleague as the owner.",
            "line 3, 负责人: “U0GONE0006” is 周杰 (U0GONE0006), a deactivated Slack account or a bot: "
            "give an active colleague as the owner.",
            "line 4, 负责人: “<@U0ROBOT004>” is 周杰 (U0ROBOT004), a deactivated Slack account or a bot: "
            "give an active colleague as the owner.",
            "3 problems: nothing was imported."])])
def test_a_deactivated_account_or_a_bot_is_refused_however_it_is_named(empty_database, fake, tmp_path, locale, said):
    """users.lookupByEmail and users.info answer for deactivated accounts and bots too: neither can
    own a customer (nobody would read its reminders), whether named by email, ID or mention."""
    upgrade(empty_database.url)
    _slack(fake)
    fake.add_user("U0GONE0006", real_name="周杰", name="zhoujie_old", email="old@example.com", deleted=True)
    path = tmp_path / "leads.csv"
    path.write_text("客户名称,负责人\nA,old@example.com\nB,U0GONE0006\nC,<@U0ROBOT004>\n"
                    "D,<mailto:lina@example.com|lina@example.com>\n", encoding="utf-8-sig")
    done = run(["import", str(path), "--dry-run"], env=_env(empty_database, fake, locale), cwd=tmp_path)
    assert done.returncode == 1
    assert [line for line in done.stderr.splitlines() if " INFO " not in line] == said
    assert "Traceback" not in done.stderr and counts(empty_database.factory)["Customer"] == 0


@pytest.mark.parametrize("locale, lines", [
    ("zh-CN", ["负责人“<mailto:lina@example.com|lina@example.com>” → U0LINA0003（Lina Wu）：邮箱（Slack users.lookupByEmail）",
               "负责人“Lina Wu <lina@example.com>” → U0LINA0003（Lina Wu）：邮箱（Slack users.lookupByEmail）",
               "负责人“@jay” → U0ZHOU0005（周杰）：Slack 显示名"]),
    ("en", ["Owner “<mailto:lina@example.com|lina@example.com>” → U0LINA0003 (Lina Wu): email (Slack users.lookupByEmail)",
            "Owner “Lina Wu <lina@example.com>” → U0LINA0003 (Lina Wu): email (Slack users.lookupByEmail)",
            "Owner “@jay” → U0ZHOU0005 (周杰): display name in Slack"])])
def test_an_owner_written_as_people_copy_it_is_read_as_the_email_or_handle(empty_database, fake, tmp_path, locale, lines):
    """An email copied out of Slack (<mailto:…|…>) or out of a mail header ("Name <email>"), and a
    Slack handle with its @ (@jay): not refused as unknown emails."""
    upgrade(empty_database.url)
    _slack(fake)
    path = tmp_path / "leads.csv"
    path.write_text("客户名称,负责人\n东方物流,<mailto:lina@example.com|lina@example.com>\n"
                    "南方物流,Lina Wu <lina@example.com>\n中原建设,@jay\n", encoding="utf-8-sig")
    env = _env(empty_database, fake, locale)
    checked = run(["import", str(path), "--dry-run"], env=env, cwd=tmp_path)
    assert (checked.returncode, checked.stdout.splitlines()[:3]) == (0, lines), checked.stderr
    assert [c.params["email"] for c in fake.calls_to("users.lookupByEmail")] == ["lina@example.com"]  # once for both rows
    assert run(["import", str(path)], env=env, cwd=tmp_path).returncode == 0
    assert [(row[1], row[2]) for row in customers(empty_database.factory)] == [
        ("东方物流", LINA), ("南方物流", LINA), ("中原建设", "U0ZHOU0005")]
