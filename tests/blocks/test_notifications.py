"""Notification blocks against a real HTTP receiver and a real SMTP server on 127.0.0.1."""

from __future__ import annotations

import asyncio

import pytest

from riverrun.blocks.abstract import (
    NotificationError,
    NotificationHTTPError,
    NotificationTimeout,
)
from riverrun.blocks.notifications import (
    AppriseNotification,
    CustomWebhookNotificationBlock,
    DiscordWebhook,
    EmailNotification,
    EmailServerCredentials,
    MicrosoftTeamsWebhook,
    SendgridEmail,
    SlackWebhook,
    SMTPType,
)
from riverrun.exceptions import RiverrunException

from .conftest import HTTPReceiver, SMTPReceiver


def test_seed_guide_section_3_sends_hello_to_the_stored_slack_webhook(
    receiver: HTTPReceiver,
) -> None:
    SlackWebhook(url=f"{receiver.url}/services/T0/B0/XYZ").save("slack")

    from riverrun.blocks.notifications import SlackWebhook as Loaded

    slack_webhook_block = Loaded.load("slack")  # The name of the block you just created
    slack_webhook_block.notify("Hello from Prefect!")

    [request] = receiver.requests
    assert request.method == "POST"
    assert request.path == "/services/T0/B0/XYZ"
    assert request.headers["Content-Type"] == "application/json"
    assert request.json == {"text": "Hello from Prefect!"}


def test_slack_webhook_puts_the_subject_above_the_body(receiver: HTTPReceiver) -> None:
    SlackWebhook(url=receiver.url).notify("disk full", subject="Alert")

    assert receiver.requests[0].json == {"text": "*Alert*\ndisk full"}


def test_slack_webhook_anotify_works_inside_an_async_flow(receiver: HTTPReceiver) -> None:
    async def main() -> None:
        await SlackWebhook(url=receiver.url).anotify("from async")

    asyncio.run(main())

    assert receiver.requests[0].json == {"text": "from async"}


def test_teams_webhook_posts_an_adaptive_card(receiver: HTTPReceiver) -> None:
    MicrosoftTeamsWebhook(url=f"{receiver.url}/teams").notify("body text", subject="Title")

    [request] = receiver.requests
    card = request.json["attachments"][0]
    assert request.path == "/teams"
    assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    texts = [item["text"] for item in card["content"]["body"]]
    assert texts == ["Title", "body text"]


def test_discord_webhook_posts_content_to_its_id_and_token(receiver: HTTPReceiver) -> None:
    DiscordWebhook(
        webhook_id="123",
        webhook_token="tok",
        botname="riverrun",
        api_url=f"{receiver.url}/api/webhooks",
    ).notify("hi")

    [request] = receiver.requests
    assert request.path == "/api/webhooks/123/tok"
    assert request.json == {"content": "hi", "tts": False, "username": "riverrun"}


def test_custom_webhook_fills_placeholders_in_url_headers_and_json(receiver: HTTPReceiver) -> None:
    block = CustomWebhookNotificationBlock(
        name="ops",
        url=receiver.url + "/hook/{{token}}",
        method="PUT",
        headers={"X-Service": "{{name}}", "Authorization": "Bearer {{token}}"},
        json_data={"title": "{{subject}}", "text": "{{body}}", "tags": ["{{name}}"]},
        secrets={"token": "s3cr3t"},
    )

    block.notify("the body", subject="the subject")

    [request] = receiver.requests
    assert request.method == "PUT"
    assert request.path == "/hook/s3cr3t"
    assert request.headers["X-Service"] == "ops"
    assert request.headers["Authorization"] == "Bearer s3cr3t"
    assert request.json == {"title": "the subject", "text": "the body", "tags": ["ops"]}


def test_custom_webhook_sends_form_data(receiver: HTTPReceiver) -> None:
    CustomWebhookNotificationBlock(
        name="form", url=receiver.url, form_data={"msg": "{{body}}"}
    ).notify("x y")

    assert receiver.requests[0].body == b"msg=x+y"


def test_sendgrid_email_posts_to_the_mail_api_with_the_key(receiver: HTTPReceiver) -> None:
    SendgridEmail(
        api_key="SG.key",
        sender_email="from@example.com",
        to_emails=["a@example.com"],
        api_url=f"{receiver.url}/v3/mail/send",
    ).notify("hello", subject="Hi")

    [request] = receiver.requests
    assert request.headers["Authorization"] == "Bearer SG.key"
    assert request.json["subject"] == "Hi"
    assert request.json["personalizations"] == [{"to": [{"email": "a@example.com"}]}]


def test_webhook_4xx_raises_with_the_status_and_response_text(receiver: HTTPReceiver) -> None:
    receiver.respond(404, "no_service")

    with pytest.raises(NotificationHTTPError) as info:
        SlackWebhook(url=receiver.url + "/secret-path").notify("x")

    message = str(info.value)
    assert "404" in message and "no_service" in message
    assert info.value.status_code == 404
    assert "secret-path" not in message  # the URL's path holds the webhook's token


def test_webhook_4xx_is_not_retried(receiver: HTTPReceiver) -> None:
    receiver.respond(400, "bad", times=5)

    with pytest.raises(NotificationHTTPError):
        SlackWebhook(url=receiver.url).notify("x")

    assert len(receiver.requests) == 1


def test_webhook_5xx_is_retried_until_it_succeeds(receiver: HTTPReceiver) -> None:
    receiver.respond(503, "busy", times=2)

    SlackWebhook(url=receiver.url, retries=2).notify("eventually")

    assert len(receiver.requests) == 3


def test_webhook_5xx_after_the_last_retry_raises_a_riverrun_error(receiver: HTTPReceiver) -> None:
    receiver.respond(500, "boom", times=10)

    with pytest.raises(NotificationHTTPError, match="after 3 attempt") as info:
        SlackWebhook(url=receiver.url, retries=2).notify("x")

    assert isinstance(info.value, RiverrunException)
    assert len(receiver.requests) == 3


def test_connection_refused_is_retried_then_raises(refused_url: str) -> None:
    with pytest.raises(NotificationError, match="could not reach http://127.0.0.1"):
        SlackWebhook(url=refused_url, retries=1).notify("x")


def test_unresponsive_url_times_out_with_a_clear_error(silent_server: str) -> None:
    # A hang would end in pytest-timeout's failure, not in this error.
    with pytest.raises(NotificationTimeout, match="did not answer within 0.3 s"):
        SlackWebhook(url=silent_server, timeout=0.3).notify("x")


def test_notification_timeout_is_a_timeout_error(silent_server: str) -> None:
    with pytest.raises(TimeoutError):
        DiscordWebhook(
            webhook_id="1", webhook_token="t", api_url=silent_server, timeout=0.2
        ).notify("x")


def test_email_notification_sends_through_smtp(smtp_server: SMTPReceiver) -> None:
    block = EmailNotification(
        credentials=EmailServerCredentials(
            smtp_server=smtp_server.host, smtp_port=smtp_server.port, smtp_type=SMTPType.INSECURE
        ),
        to_emails=["ops@example.com", "dev@example.com"],
        from_email="riverrun@example.com",
    )

    block.notify("the flow failed", subject="Flow failed")

    [envelope] = smtp_server.messages
    assert envelope.mail_from == "riverrun@example.com"
    assert envelope.rcpt_tos == ["ops@example.com", "dev@example.com"]
    content = envelope.content.decode()
    assert "Subject: Flow failed" in content
    assert "the flow failed" in content


def test_email_notification_to_a_closed_port_raises(refused_url: str) -> None:
    port = int(refused_url.rsplit(":", 1)[1].split("/")[0])
    block = EmailNotification(
        credentials=EmailServerCredentials(
            smtp_server="127.0.0.1", smtp_port=port, smtp_type=SMTPType.INSECURE
        ),
        to_emails=["a@example.com"],
        retries=1,
    )

    with pytest.raises(NotificationError, match="after 2 attempt"):
        block.notify("x")


def test_email_notification_saves_with_its_password_encrypted(smtp_server: SMTPReceiver) -> None:
    EmailNotification(
        credentials=EmailServerCredentials(username="u", password="pw-123", smtp_server="h"),
        to_emails=["a@example.com"],
    ).save("mail")

    loaded = EmailNotification.load("mail")

    assert EmailNotification.secret_fields() == ["credentials.password"]
    assert loaded.credentials.password.get_secret_value() == "pw-123"


def test_apprise_notification_posts_through_an_apprise_url(receiver: HTTPReceiver) -> None:
    pytest.importorskip("apprise")
    url = receiver.url.replace("http://", "json://") + "/apprise"

    AppriseNotification(urls=[url]).notify("hello", subject="Title")

    [request] = receiver.requests
    assert request.path == "/apprise"
    assert request.json["title"] == "Title"
    assert request.json["message"] == "hello"


def test_apprise_notification_failure_raises(receiver: HTTPReceiver) -> None:
    pytest.importorskip("apprise")
    receiver.respond(500, "no", times=10)
    url = receiver.url.replace("http://", "json://")

    with pytest.raises(NotificationError, match="Apprise notification failed"):
        AppriseNotification(urls=[url], retries=1).notify("x")
