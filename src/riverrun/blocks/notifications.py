"""Notification blocks: Slack, Microsoft Teams, Discord, any webhook, email, Apprise.

Example (the seed guide's section 3)::

    from riverrun.blocks.notifications import SlackWebhook

    SlackWebhook(url="https://hooks.slack.com/services/T000/B000/XXXX").save("slack")

    slack_webhook_block = SlackWebhook.load("slack")
    slack_webhook_block.notify("Hello from Riverrun!")

Every block here has ``notify(body, subject=None)`` and ``anotify(...)`` for async flows,
waits at most ``timeout`` seconds per attempt, retries connection errors and 5xx answers
``retries`` times with backoff, and raises a ``NotificationError`` when it gives up.
"""

from __future__ import annotations

import re
import smtplib
import ssl
import time
import warnings
from email.message import EmailMessage
from enum import Enum
from typing import Any, Literal, Optional

from pydantic import Field, SecretStr

from riverrun.blocks import _http
from riverrun.blocks.abstract import (
    NotificationBlock,
    NotificationError,
    NotificationHTTPError,
    NotificationTimeout,
)
from riverrun.blocks.core import Block
from riverrun.blocks.fields import SecretDict


class _WebhookNotification(NotificationBlock):
    """Shared sending for the webhook blocks; not a block type of its own."""

    def _send(self, method: str, url: str, **request: Any) -> Any:
        return _http.send(
            f"{self.get_block_type_name()} notification",
            method,
            url,
            timeout=self.timeout,
            retries=self.retries,
            backoff=self._retry_backoff_seconds,
            **request,
        )


class SlackWebhook(_WebhookNotification):
    """Send a message to a Slack channel through an incoming webhook.

    Posts ``{"text": body}`` to the URL it holds, so any Slack-compatible endpoint
    (Mattermost, Rocket.Chat, a test receiver) works too.
    """

    _block_type_name = "Slack Webhook"
    _documentation_url = "https://api.slack.com/messaging/webhooks"

    url: SecretStr = Field(
        default=...,
        title="Webhook URL",
        description="Slack incoming webhook URL used to send notifications.",
        examples=["https://hooks.slack.com/XXX"],
    )

    def notify(self, body: str, subject: Optional[str] = None) -> None:
        """Post the message to the webhook (the subject, if any, in bold above it)."""
        text = f"*{subject}*\n{body}" if subject else body
        self._send("POST", self.url.get_secret_value(), json={"text": text})


class MicrosoftTeamsWebhook(_WebhookNotification):
    """Send a message to a Microsoft Teams channel through a Workflows (Power Automate) webhook.

    Posts an Adaptive Card with the subject as its title and the body as its text.
    """

    _block_type_name = "Microsoft Teams Webhook"
    _block_type_slug = "ms-teams-webhook"
    _documentation_url = "https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/add-incoming-webhook"

    url: SecretStr = Field(
        default=...,
        title="Webhook URL",
        description="The Teams (Workflows) incoming webhook URL used to send notifications.",
    )

    def notify(self, body: str, subject: Optional[str] = None) -> None:
        """Post an Adaptive Card with the subject (if any) and body."""
        card_body: list[dict[str, Any]] = []
        if subject:
            card_body.append(
                {
                    "type": "TextBlock",
                    "text": subject,
                    "weight": "Bolder",
                    "size": "Medium",
                    "wrap": True,
                }
            )
        card_body.append({"type": "TextBlock", "text": body, "wrap": True})
        payload = {
            "type": "message",
            "attachments": [
                {
                    "contentType": "application/vnd.microsoft.card.adaptive",
                    "content": {
                        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                        "type": "AdaptiveCard",
                        "version": "1.4",
                        "body": card_body,
                    },
                }
            ],
        }
        self._send("POST", self.url.get_secret_value(), json=payload)


class DiscordWebhook(_WebhookNotification):
    """Send a message to a Discord channel through a webhook (its id and token)."""

    _block_type_name = "Discord Webhook"
    _documentation_url = "https://discord.com/developers/docs/resources/webhook"

    webhook_id: SecretStr = Field(
        default=..., description="The first part of the webhook URL after /api/webhooks/."
    )
    webhook_token: SecretStr = Field(
        default=..., description="The second part of the webhook URL after /api/webhooks/."
    )
    botname: Optional[str] = Field(default=None, description="The name the message is posted as.")
    tts: bool = Field(default=False, description="Read the message aloud (text to speech).")
    avatar_url: Optional[str] = Field(default=None, description="Avatar image URL of the poster.")
    api_url: str = Field(
        default="https://discord.com/api/webhooks",
        description="Base URL of Discord's webhook API (change only for a compatible service).",
    )

    def notify(self, body: str, subject: Optional[str] = None) -> None:
        """Post the message (the subject, if any, in bold above it)."""
        payload: dict[str, Any] = {
            "content": f"**{subject}**\n{body}" if subject else body,
            "tts": self.tts,
        }
        if self.botname:
            payload["username"] = self.botname
        if self.avatar_url:
            payload["avatar_url"] = self.avatar_url
        url = (
            f"{self.api_url.rstrip('/')}/{self.webhook_id.get_secret_value()}/"
            f"{self.webhook_token.get_secret_value()}"
        )
        self._send("POST", url, json=payload)


_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_.\-]+)\s*\}\}")


class CustomWebhookNotificationBlock(_WebhookNotification):
    """Call any webhook: URL, method, headers and a JSON body built from templates.

    ``{{subject}}``, ``{{body}}`` and ``{{name}}`` in the URL, params, headers, cookies,
    JSON or form data are replaced by the notification's values, and ``{{KEY}}`` by the
    value of ``KEY`` in ``secrets`` (stored encrypted).

    Example::

        CustomWebhookNotificationBlock(
            name="ops",
            url="https://example.com/hooks/{{token}}",
            json_data={"title": "{{subject}}", "text": "{{body}}"},
            secrets={"token": "s3cr3t"},
        ).notify("disk full", subject="alert")
    """

    _block_type_name = "Custom Webhook"

    name: str = Field(default=..., description="Name of the webhook service.")
    url: str = Field(default=..., description="The webhook URL (may contain placeholders).")
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"] = Field(
        default="POST", description="The HTTP method."
    )
    params: Optional[dict[str, str]] = Field(default=None, description="Query parameters.")
    json_data: Optional[dict[str, Any]] = Field(
        default=None,
        title="JSON Data",
        description="JSON body; strings may contain {{subject}}, {{body}}, {{name}} or secret keys.",
        examples=[{"text": "{{subject}}\n{{body}}"}],
    )
    form_data: Optional[dict[str, str]] = Field(
        default=None, description="Form body (instead of JSON); same placeholders."
    )
    headers: Optional[dict[str, str]] = Field(default=None, description="HTTP headers.")
    cookies: Optional[dict[str, str]] = Field(default=None, description="HTTP cookies.")
    secrets: SecretDict = Field(
        default_factory=lambda: SecretDict({}),
        description="Secret values to substitute as {{KEY}}, stored encrypted.",
    )

    def block_initialization(self) -> None:
        if self.json_data is not None and self.form_data is not None:
            raise ValueError("Set json_data or form_data, not both.")
        names = set(self.secrets.get_secret_value())
        clash = names & {"subject", "body", "name"}
        if clash:
            raise ValueError(f"secrets must not use the reserved keys {sorted(clash)}.")

    def _render(self, value: Any, values: dict[str, str]) -> Any:
        if isinstance(value, str):
            return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), value)
        if isinstance(value, dict):
            return {self._render(k, values): self._render(v, values) for k, v in value.items()}
        if isinstance(value, list):
            return [self._render(v, values) for v in value]
        return value

    def notify(self, body: str, subject: Optional[str] = None) -> None:
        """Call the webhook with the placeholders filled in."""
        values = {str(k): str(v) for k, v in self.secrets.get_secret_value().items()}
        values.update(subject=subject or "", body=body, name=self.name)
        request: dict[str, Any] = {}
        for key in ("params", "headers", "cookies"):
            if getattr(self, key) is not None:
                request[key] = self._render(getattr(self, key), values)
        if self.json_data is not None:
            request["json"] = self._render(self.json_data, values)
        elif self.form_data is not None:
            request["data"] = self._render(self.form_data, values)
        cookies = request.pop("cookies", None)
        if cookies:
            # httpx deprecates per-request cookies; a Cookie header says the same.
            header = "; ".join(f"{k}={v}" for k, v in cookies.items())
            request.setdefault("headers", {})["Cookie"] = header
        self._send(self.method, self._render(self.url, values), **request)


class SMTPType(str, Enum):
    """How to secure the SMTP connection."""

    SSL = "SSL"
    STARTTLS = "STARTTLS"
    INSECURE = "INSECURE"


_DEFAULT_PORTS = {SMTPType.SSL: 465, SMTPType.STARTTLS: 587, SMTPType.INSECURE: 25}


class EmailServerCredentials(Block):
    """An SMTP server and the login to send mail through it (as ``prefect-email``'s block)."""

    _block_type_name = "Email Server Credentials"

    username: Optional[str] = Field(default=None, description="Login for the SMTP server.")
    password: SecretStr = Field(
        default_factory=lambda: SecretStr(""), description="Password for the SMTP server."
    )
    smtp_server: str = Field(default="smtp.gmail.com", description="Host of the SMTP server.")
    smtp_type: SMTPType = Field(default=SMTPType.SSL, description="SSL, STARTTLS or INSECURE.")
    smtp_port: Optional[int] = Field(
        default=None, description="Port; default 465 for SSL, 587 for STARTTLS, 25 for INSECURE."
    )
    verify: bool = Field(default=True, description="Verify the server's TLS certificate.")

    def get_server(self, timeout: float = 10.0) -> smtplib.SMTP:
        """An SMTP connection to the server, secured and logged in as configured."""
        port = self.smtp_port or _DEFAULT_PORTS[self.smtp_type]
        context = ssl.create_default_context()
        if not self.verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        server: smtplib.SMTP
        if self.smtp_type == SMTPType.SSL:
            server = smtplib.SMTP_SSL(self.smtp_server, port, timeout=timeout, context=context)
        else:
            server = smtplib.SMTP(self.smtp_server, port, timeout=timeout)
            if self.smtp_type == SMTPType.STARTTLS:
                server.starttls(context=context)
        if self.username:
            server.login(self.username, self.password.get_secret_value())
        return server


class EmailNotification(NotificationBlock):
    """Send notifications as email through an SMTP server."""

    _block_type_name = "Email Notification"

    credentials: EmailServerCredentials = Field(
        default=..., description="The SMTP server and login to send through."
    )
    to_emails: list[str] = Field(default=..., min_length=1, description="Recipients.")
    from_email: Optional[str] = Field(
        default=None, description="Sender address; default: the credentials' username."
    )
    subject_prefix: str = Field(default="", description="Put in front of every subject.")

    def notify(self, body: str, subject: Optional[str] = None) -> None:
        """Send one email to every recipient; retried on connection errors."""
        message = EmailMessage()
        message["Subject"] = f"{self.subject_prefix}{subject or 'Riverrun notification'}"
        message["From"] = self.from_email or self.credentials.username or "riverrun@localhost"
        message["To"] = ", ".join(self.to_emails)
        message.set_content(body)
        creds = self.credentials
        where = f"{creds.smtp_server}:{creds.smtp_port or _DEFAULT_PORTS[creds.smtp_type]}"
        attempts = self.retries + 1
        last = ""
        for attempt in range(1, attempts + 1):
            try:
                with creds.get_server(timeout=self.timeout) as server:
                    server.send_message(message)
                return
            except smtplib.SMTPResponseException as exc:
                text = (
                    exc.smtp_error.decode(errors="replace")
                    if isinstance(exc.smtp_error, bytes)
                    else str(exc.smtp_error)
                )
                # SMTP's 5xx are permanent (bad login, unknown recipient): do not retry.
                if exc.smtp_code >= 500 or attempt == attempts:
                    raise NotificationError(
                        f"Email notification was rejected by {where}: {exc.smtp_code} {text}. "
                        "Check the credentials and recipients."
                    ) from None
                last = f"{where} answered {exc.smtp_code} {text}"
            except smtplib.SMTPRecipientsRefused as exc:
                raise NotificationError(
                    f"Email notification was rejected by {where}: recipients refused "
                    f"{sorted(exc.recipients)}."
                ) from None
            except TimeoutError:
                raise NotificationTimeout(
                    f"Email notification failed: {where} did not answer within "
                    f"{self.timeout:g} s. Check the server and port, or raise `timeout`."
                ) from None
            except (OSError, smtplib.SMTPException) as exc:
                last = f"could not reach {where} ({exc or type(exc).__name__})"
            if attempt < attempts:
                time.sleep(self._retry_backoff_seconds * 2 ** (attempt - 1))
        raise NotificationError(f"Email notification failed after {attempts} attempt(s): {last}.")


class SendgridEmail(_WebhookNotification):
    """Send notifications as email through SendGrid's v3 mail API."""

    _block_type_name = "Sendgrid Email"
    _documentation_url = "https://www.twilio.com/docs/sendgrid/api-reference/mail-send/mail-send"

    api_key: SecretStr = Field(default=..., title="API Key", description="A SendGrid API key.")
    sender_email: str = Field(default=..., description="The sender's address.")
    to_emails: list[str] = Field(default=..., min_length=1, description="Recipients.")
    api_url: str = Field(
        default="https://api.sendgrid.com/v3/mail/send", description="SendGrid's mail API URL."
    )

    def notify(self, body: str, subject: Optional[str] = None) -> None:
        """Send one email to every recipient."""
        payload = {
            "personalizations": [{"to": [{"email": e} for e in self.to_emails]}],
            "from": {"email": self.sender_email},
            "subject": subject or "Riverrun notification",
            "content": [{"type": "text/plain", "value": body}],
        }
        headers = {"Authorization": f"Bearer {self.api_key.get_secret_value()}"}
        self._send("POST", self.api_url, json=payload, headers=headers)


class AppriseNotification(NotificationBlock):
    """Send notifications to any service Apprise supports (``pip install apprise``).

    Each URL is an Apprise URL: ``slack://T/B/X``, ``mailto://user:pass@host``,
    ``json://host/path`` and more than a hundred others.
    """

    _block_type_name = "Apprise"
    _documentation_url = "https://github.com/caronc/apprise/wiki"

    urls: list[SecretStr] = Field(default=..., min_length=1, description="Apprise URLs.")
    notify_type: Literal["info", "success", "warning", "failure"] = Field(
        default="info", description="The kind of notification, for services that show it."
    )

    def notify(self, body: str, subject: Optional[str] = None) -> None:
        """Send the notification to every URL; raise if any of them failed."""
        with warnings.catch_warnings():
            # apprise loads its plugins lazily, and one imports the deprecated stdlib
            # imghdr: not the user's problem, and not to fail under -W error.
            warnings.simplefilter("ignore", DeprecationWarning)
            self._notify(body, subject)

    def _notify(self, body: str, subject: Optional[str]) -> None:
        try:
            import apprise
        except ImportError:
            raise NotificationError(
                "AppriseNotification needs the apprise package: `pip install apprise`."
            ) from None
        attempts = self.retries + 1
        for attempt in range(1, attempts + 1):
            sender = apprise.Apprise()
            for url in self.urls:
                plugin = apprise.Apprise.instantiate(url.get_secret_value())
                if not plugin:
                    raise NotificationError(
                        "AppriseNotification has a URL Apprise does not understand "
                        "(see https://github.com/caronc/apprise/wiki for the formats)."
                    )
                # Apprise's own defaults are 4 s connect and 4 s read; use the block's.
                plugin.socket_connect_timeout = self.timeout
                plugin.socket_read_timeout = self.timeout
                sender.add(plugin)
            if sender.notify(body=body, title=subject or "", notify_type=self.notify_type):
                return
            if attempt < attempts:
                time.sleep(self._retry_backoff_seconds * 2 ** (attempt - 1))
        raise NotificationError(
            f"Apprise notification failed after {attempts} attempt(s): at least one service "
            "did not accept it. Run with logging at DEBUG for apprise's reasons."
        )


__all__ = [
    "AppriseNotification",
    "CustomWebhookNotificationBlock",
    "DiscordWebhook",
    "EmailNotification",
    "EmailServerCredentials",
    "MicrosoftTeamsWebhook",
    "NotificationError",
    "NotificationHTTPError",
    "NotificationTimeout",
    "SMTPType",
    "SendgridEmail",
    "SlackWebhook",
]
