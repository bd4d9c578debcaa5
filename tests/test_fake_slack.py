"""Tests for the fake Slack Web API server (tests/fake_slack.py), driven by a real slack_sdk WebClient."""

from __future__ import annotations

import json
import threading
import time
import urllib.request

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import default_retry_handlers
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from tests.blockkit_builders import modal, option, plain, rich_valid_blocks, section, select_input
from tests.fake_slack import FakeSlack, check_view


# --------------------------------------------------------------------------------------
# fixtures
# --------------------------------------------------------------------------------------


@pytest.fixture
def fake():
    with FakeSlack() as server:
        yield server


@pytest.fixture
def client(fake):
    return WebClient(token="xoxb-test", base_url=fake.url)


# --------------------------------------------------------------------------------------
# recording and basic methods
# --------------------------------------------------------------------------------------


def test_post_message_is_recorded_with_decoded_blocks(fake, client):
    blocks = [section("*Acme* follow-up due", block_id="due")]
    resp = client.chat_postMessage(channel="C0001", text="Acme follow-up due", blocks=blocks)

    assert resp["ok"] is True
    assert resp["channel"] == "C0001"
    call = fake.calls_to("chat.postMessage")[0]
    assert call.params["blocks"] == blocks
    assert call.params["text"] == "Acme follow-up due"
    assert call.headers["authorization"] == "Bearer xoxb-test"
    assert call.status == 200 and call.response["ok"] is True
    assert resp["message"]["blocks"] == blocks
    assert fake.violations == []


def test_form_encoded_blocks_are_decoded_and_ts_increase(fake, client):
    blocks = [section("one")]
    # params= sends application/x-www-form-urlencoded with blocks as a JSON string
    first = client.api_call("chat.postMessage", params={"channel": "C1", "text": "a", "blocks": json.dumps(blocks)})
    second = client.chat_postMessage(channel="U0ABC", text="b")

    calls = fake.calls_to("chat.postMessage")
    assert "x-www-form-urlencoded" in calls[0].headers["content-type"]
    assert calls[0].params["blocks"] == blocks
    assert second["channel"] == "D0ABC"  # DM to a user id answers with a D channel
    assert float(second["ts"]) > float(first["ts"])
    assert first["ts"] != second["ts"]


def test_missing_token_is_not_authed(fake):
    anonymous = WebClient(base_url=fake.url)
    with pytest.raises(SlackApiError) as info:
        anonymous.chat_postMessage(channel="C1", text="hi")
    assert info.value.response["error"] == "not_authed"
    assert fake.calls_to("chat.postMessage")  # still recorded


def test_get_with_query_args_and_token_field(fake):
    with urllib.request.urlopen(fake.url + "auth.test?token=xoxb-query", timeout=5) as resp:
        body = json.loads(resp.read())
    assert body["ok"] is True
    assert body["user_id"] == "UBOT" and body["bot_id"] == "BBOT" and body["team_id"] == "T000TEST"
    assert fake.calls_to("auth.test")[0].params == {"token": "xoxb-query"}


def test_auth_test(client):
    resp = client.auth_test()
    assert (resp["user_id"], resp["bot_id"], resp["team_id"], resp["team"]) == ("UBOT", "BBOT", "T000TEST", "Test Team")
    assert resp["url"].startswith("https://")


def test_users_info_returns_tz_and_locale(fake, client):
    fake.add_user("U100", tz="America/New_York", locale="en-US", name="ann", real_name="Ann Lee", email="ann@x.io")
    fake.add_user("U200")

    with_locale = client.users_info(user="U100", include_locale=True)["user"]
    assert with_locale["tz"] == "America/New_York"
    assert with_locale["tz_offset"] in (-5 * 3600, -4 * 3600)
    assert with_locale["locale"] == "en-US"
    assert with_locale["profile"]["real_name"] == "Ann Lee"
    assert with_locale["profile"]["display_name"] == "ann"
    assert with_locale["profile"]["email"] == "ann@x.io"

    default_user = client.users_info(user="U200")["user"]
    assert default_user["tz"] == "Asia/Shanghai" and default_user["tz_offset"] == 8 * 3600
    assert "locale" not in default_user  # include_locale not requested

    with pytest.raises(SlackApiError) as info:
        client.users_info(user="UNOPE")
    assert info.value.response["error"] == "user_not_found"


def test_other_chat_and_conversation_methods(fake, client):
    posted = client.chat_postMessage(channel="C1", text="v1")
    updated = client.chat_update(channel="C1", ts=posted["ts"], text="v2", blocks=[section("v2")])
    assert updated["ts"] == posted["ts"] and updated["channel"] == "C1"
    eph = client.chat_postEphemeral(channel="C1", user="U1", text="only you")
    assert eph["message_ts"]
    assert client.chat_delete(channel="C1", ts=posted["ts"])["ok"] is True

    opened = client.conversations_open(users="U777")
    assert opened["channel"]["id"] == "D777"
    info = client.conversations_info(channel="D777")["channel"]
    assert info["id"] == "D777" and info["is_im"] is True

    assert fake.methods() == ["chat.postMessage", "chat.update", "chat.postEphemeral", "chat.delete",
                              "conversations.open", "conversations.info"]


def test_unknown_method_is_ok_and_recorded(fake, client):
    resp = client.api_call("reactions.add", params={"channel": "C1", "name": "eyes", "timestamp": "1.2"})
    assert resp.data == {"ok": True}
    assert fake.calls_to("reactions.add")[0].params["name"] == "eyes"


def test_missing_channel_is_channel_not_found(client):
    with pytest.raises(SlackApiError) as info:
        client.api_call("chat.postMessage", json={"text": "hi"})
    assert info.value.response["error"] == "channel_not_found"


def test_message_without_text_or_blocks_and_too_long_text(fake, client):
    with pytest.raises(SlackApiError) as info:
        client.api_call("chat.postMessage", json={"channel": "C1"})
    assert info.value.response["error"] == "no_text"
    assert any("neither text nor blocks" in v for v in fake.violations)

    client.chat_postMessage(channel="C1", text="x" * 40000)  # at the limit: fine
    with pytest.raises(SlackApiError) as info:
        client.chat_postMessage(channel="C1", text="x" * 40001)
    assert info.value.response["error"] == "msg_too_long"
    assert any("40001 chars" in v for v in fake.violations)


# --------------------------------------------------------------------------------------
# scripted failures
# --------------------------------------------------------------------------------------


def test_default_retry_handlers_do_not_retry_rate_limits():
    # Stated fact for slack-sdk 3.47: the default is only a ConnectionErrorRetryHandler,
    # so a 429 surfaces immediately unless a RateLimitErrorRetryHandler is added.
    handlers = default_retry_handlers()
    assert [type(h) for h in handlers] == [ConnectionErrorRetryHandler]
    assert [type(h) for h in WebClient().retry_handlers] == [ConnectionErrorRetryHandler]


def test_scripted_429_surfaces_with_retry_after(fake):
    client = WebClient(token="xoxb-test", base_url=fake.url, retry_handlers=[])
    fake.fail_next("chat.postMessage", retry_after=7)

    with pytest.raises(SlackApiError) as info:
        client.chat_postMessage(channel="C1", text="hi")
    resp = info.value.response
    assert resp.status_code == 429
    assert resp.headers["Retry-After"] == "7"
    assert resp["error"] == "ratelimited"
    assert len(fake.calls_to("chat.postMessage")) == 1

    assert client.chat_postMessage(channel="C1", text="again")["ok"] is True  # only the next call failed


def test_default_client_does_not_retry_429_but_rate_limit_handler_does(fake):
    fake.fail_next("chat.postMessage", retry_after=0)
    with pytest.raises(SlackApiError) as info:
        WebClient(token="xoxb-test", base_url=fake.url).chat_postMessage(channel="C1", text="hi")
    assert info.value.response.status_code == 429
    assert len(fake.calls_to("chat.postMessage")) == 1

    fake.fail_next("chat.postMessage", retry_after=0)
    retrying = WebClient(token="xoxb-test", base_url=fake.url,
                         retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)])
    assert retrying.chat_postMessage(channel="C1", text="hi")["ok"] is True
    assert [c.status for c in fake.calls_to("chat.postMessage")] == [429, 429, 200]


def test_scripted_500(fake, client):
    fake.fail_next("views.open", status=500)
    with pytest.raises(SlackApiError) as info:
        client.views_open(trigger_id="t1", view=modal([section()]))
    assert info.value.response.status_code == 500
    assert info.value.response["ok"] is False
    assert client.views_open(trigger_id="t1", view=modal([section()]))["ok"] is True


def test_scripted_error_channel_not_found(fake, client):
    fake.fail_next("chat.postMessage", error="channel_not_found", times=2)
    for _ in range(2):
        with pytest.raises(SlackApiError) as info:
            client.chat_postMessage(channel="C1", text="hi")
        assert info.value.response.status_code == 200
        assert info.value.response["error"] == "channel_not_found"
    assert client.chat_postMessage(channel="C1", text="hi")["ok"] is True
    assert [c.response["ok"] for c in fake.calls_to("chat.postMessage")] == [False, False, True]


def test_delay_causes_client_timeout(fake):
    client = WebClient(token="xoxb-test", base_url=fake.url, timeout=1)
    fake.add_user("U1")
    fake.fail_next("users.info", status=200, delay=3)  # slow but otherwise normal reply

    started = time.monotonic()
    with pytest.raises(TimeoutError):
        client.users_info(user="U1")
    assert time.monotonic() - started < 2.5
    assert len(fake.calls_to("users.info")) == 1  # the default handlers did not retry a timeout
    assert client.users_info(user="U1")["ok"] is True  # server still serving other requests


# --------------------------------------------------------------------------------------
# Block Kit limits through the server
# --------------------------------------------------------------------------------------


def test_oversized_modal_title_is_rejected(fake, client):
    with pytest.raises(SlackApiError) as info:
        client.views_open(trigger_id="t1", view=modal([section()], title=plain("T" * 25)))
    assert info.value.response["error"] == "invalid_arguments"
    assert len(fake.violations) == 1
    assert "views.open: view.title.text: 25 chars exceeds max 24" == fake.violations[0]


def test_51_blocks_in_a_message_are_rejected_but_50_pass(fake, client):
    assert client.chat_postMessage(channel="C1", text="ok", blocks=[section()] * 50)["ok"] is True
    assert fake.violations == []
    with pytest.raises(SlackApiError) as info:
        client.chat_postMessage(channel="C1", text="too many", blocks=[section()] * 51)
    assert info.value.response["error"] == "invalid_blocks"
    assert any("51 blocks exceeds max 50 for a message" in v for v in fake.violations)


def test_101_blocks_in_a_modal_are_rejected(fake, client):
    with pytest.raises(SlackApiError) as info:
        client.views_open(trigger_id="t1", view=modal([section()] * 101))
    assert info.value.response["error"] == "invalid_arguments"
    assert any("101 blocks exceeds max 100 for a modal" in v for v in fake.violations)


def test_valid_modal_with_100_blocks_passes(fake, client):
    view = modal(rich_valid_blocks(100), private_metadata="m" * 3000, external_id="e" * 255,
                 title=plain("T" * 24))
    assert check_view(view) == []
    resp = client.views_open(trigger_id="t1", view=view)
    assert resp["ok"] is True
    assert fake.violations == []
    assert resp["view"]["id"].startswith("V")
    assert resp["view"]["hash"]
    assert resp["view"]["callback_id"] == "log_interaction"
    assert resp["view"]["title"] == plain("T" * 24)
    assert len(resp["view"]["blocks"]) == 100
    assert fake.calls_to("views.open")[0].params["view"]["blocks"][0]["type"] == "header"


def test_3001_char_section_is_rejected(fake, client):
    with pytest.raises(SlackApiError) as info:
        client.chat_postMessage(channel="C1", text="long", blocks=[section("x" * 3001)])
    assert info.value.response["error"] == "invalid_blocks"
    assert fake.violations == ["chat.postMessage: blocks[0](section).text.text: 3001 chars exceeds max 3000"]


def test_76_char_option_text_is_rejected(fake, client):
    client.views_open(trigger_id="t1", view=modal([select_input([option("o" * 75)])]))
    assert fake.violations == []
    with pytest.raises(SlackApiError) as info:
        client.views_open(trigger_id="t2", view=modal([select_input([option("o" * 76)])]))
    assert info.value.response["error"] == "invalid_arguments"
    assert len(fake.violations) == 1
    assert "options[0].text.text: 76 chars exceeds max 75" in fake.violations[0]


def test_views_publish_update_and_push(fake, client):
    home = {"type": "home", "blocks": rich_valid_blocks(100)}  # home: no title, 100 blocks allowed
    assert client.views_publish(user_id="U1", view=home)["ok"] is True

    with pytest.raises(SlackApiError):
        client.views_publish(user_id="U1", view=modal([section()]))
    assert any("views.publish" in v and "home" in v for v in fake.violations)

    opened = client.views_open(trigger_id="t1", view=modal([section("step 1")], external_id="deal-42"))["view"]
    updated = client.views_update(view_id=opened["id"], hash=opened["hash"], view=modal([section("step 2")]))
    assert updated["view"]["id"] == opened["id"] and updated["view"]["hash"] != opened["hash"]
    with pytest.raises(SlackApiError) as info:
        client.views_update(view_id=opened["id"], hash=opened["hash"], view=modal([section("stale")]))
    assert info.value.response["error"] == "hash_conflict"
    assert client.views_update(external_id="deal-42", view=modal([section("by ext")]))["view"]["id"] == opened["id"]
    with pytest.raises(SlackApiError) as info:
        client.views_update(external_id="nope", view=modal([section()]))
    assert info.value.response["error"] == "not_found"

    pushed = client.views_push(trigger_id="t2", view=modal([section("pushed")]))
    assert pushed["view"]["id"] != opened["id"]


# --------------------------------------------------------------------------------------
# files and response_url
# --------------------------------------------------------------------------------------


def test_files_upload_v2_end_to_end(fake, client):
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    resp = client.files_upload_v2(content=png, filename="pipeline.png", title="Pipeline",
                                  channel="C0001", initial_comment="This week's pipeline")

    assert resp["ok"] is True
    file_id = resp["file"]["id"]
    assert resp["file"]["size"] == len(png) and resp["file"]["title"] == "Pipeline"
    assert fake.methods() == ["files.getUploadURLExternal", f"upload:{file_id}", "files.completeUploadExternal"]
    url_call = fake.calls_to("files.getUploadURLExternal")[0]
    assert url_call.params["filename"] == "pipeline.png" and int(url_call.params["length"]) == len(png)
    assert url_call.response["upload_url"].startswith(f"http://127.0.0.1:{fake.port}/upload/")
    assert fake.calls_to(f"upload:{file_id}")[0].params["length"] == len(png)
    assert fake.uploads[file_id] == png
    done = fake.calls_to("files.completeUploadExternal")[0].params
    assert done["files"][0]["id"] == file_id  # JSON string decoded
    assert done["channel_id"] == "C0001" and done["initial_comment"] == "This week's pipeline"


def test_complete_upload_of_unknown_file_fails(client):
    with pytest.raises(SlackApiError) as info:
        client.files_completeUploadExternal(files=[{"id": "FNOPE", "title": "x"}], channel_id="C1")
    assert info.value.response["error"] == "file_not_found"


def test_response_url_accepts_posts_and_checks_blocks(fake):
    url = fake.response_url("log")
    ok = WebhookClient(url).send(text="Logged", blocks=[section("Logged *call* with Acme")],
                                 response_type="ephemeral")
    assert ok.status_code == 200 and ok.body == "ok"
    call = fake.calls_to("response_url:log")[0]
    assert call.params["blocks"][0]["text"]["text"] == "Logged *call* with Acme"
    assert call.params["response_type"] == "ephemeral"

    bad = WebhookClient(url).send(text="x", blocks=[{"type": "header", "text": plain("h" * 151)}])
    assert bad.status_code == 400 and bad.body == "invalid_blocks"
    assert fake.violations == ["response_url:log: blocks[0](header).text.text: 151 chars exceeds max 150"]


# --------------------------------------------------------------------------------------
# wait_for and reset
# --------------------------------------------------------------------------------------


def test_wait_for_sees_calls_made_from_another_thread(fake, client):
    def later():
        time.sleep(0.2)
        for i in range(2):
            client.chat_postMessage(channel="C1", text=f"reminder {i}")

    worker = threading.Thread(target=later)
    worker.start()
    calls = fake.wait_for("chat.postMessage", count=2, timeout=5)
    worker.join()
    assert [c.params["text"] for c in calls] == ["reminder 0", "reminder 1"]


def test_wait_for_times_out_with_clear_message(fake, client):
    client.auth_test()
    started = time.monotonic()
    with pytest.raises(AssertionError) as info:
        fake.wait_for("chat.postMessage", timeout=0.3)
    assert time.monotonic() - started >= 0.3
    message = str(info.value)
    assert "'chat.postMessage'" in message and "got 0" in message and "['auth.test']" in message


def test_reset_clears_calls_violations_and_failures_but_keeps_users(fake, client):
    fake.add_user("U1")
    fake.fail_next("users.info", error="user_not_found")
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="C1", text="x", blocks=[section("x" * 3001)])
    assert fake.calls and fake.violations

    calls_ref = fake.calls
    fake.reset()
    assert fake.calls == [] and fake.violations == [] and calls_ref is fake.calls
    assert client.users_info(user="U1")["user"]["id"] == "U1"  # failure script gone, user kept


def test_bolt_app_initialises_against_the_fake(fake, client):
    from slack_bolt import App

    App(client=client, signing_secret="test-secret")  # bolt verifies the token with auth.test
    assert fake.methods() == ["auth.test"]
    assert fake.calls_to("auth.test")[0].response["user_id"] == "UBOT"
