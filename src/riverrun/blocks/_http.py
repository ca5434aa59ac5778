"""One HTTP request with a timeout and bounded retries, for the webhook notification blocks."""

from __future__ import annotations

import functools
import os
import ssl
import time
from typing import Any
from urllib.parse import urlsplit

from riverrun.blocks.abstract import NotificationError, NotificationHTTPError, NotificationTimeout

_MAX_RESPONSE_TEXT = 500


@functools.lru_cache(maxsize=4)
def _ssl_context(cert_file: str | None, cert_dir: str | None) -> ssl.SSLContext:
    import httpx

    return httpx.create_ssl_context(trust_env=True)


def ssl_context() -> ssl.SSLContext:
    """The TLS context of every notification, made once per CA setting: loading the CA
    bundle cost each new ``httpx.Client`` ~28 ms of CPU, more than the request itself (a
    server delivering many notifications spent most of its delivery time there)."""
    return _ssl_context(os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))


def redact_url(url: str) -> str:
    """Scheme, host and port of a URL: its path and query often hold the webhook's token."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}" if parts.netloc else "<url>"


def send(
    what: str,
    method: str,
    url: str,
    *,
    timeout: float,
    retries: int,
    backoff: float,
    **request: Any,
) -> Any:
    """Send one request, retrying connection errors and 5xx; return the ``httpx.Response``.

    A read timeout is not retried: the service may have got the message, and a second copy
    is worse than a clear error. A 4xx is not retried either: asking again will not help.
    """
    import httpx

    where = redact_url(url)
    attempts = retries + 1
    last: str = ""
    with httpx.Client(timeout=timeout, follow_redirects=True, verify=ssl_context()) as client:
        for attempt in range(1, attempts + 1):
            try:
                response = client.request(method, url, **request)
            except httpx.ConnectTimeout:
                last = f"connecting to {where} timed out after {timeout:g} s"
            except httpx.TimeoutException:
                raise NotificationTimeout(
                    f"{what} failed: {where} did not answer within {timeout:g} s. Check that "
                    f"the URL is right and the service is up, or raise the block's `timeout`."
                ) from None
            except (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError) as exc:
                last = f"could not reach {where} ({exc or type(exc).__name__})"
            except httpx.HTTPError as exc:
                raise NotificationError(
                    f"{what} failed: request to {where} failed: {exc}"
                ) from None
            else:
                if response.status_code < 400:
                    return response
                text = response.text[:_MAX_RESPONSE_TEXT]
                status = f"{response.status_code} {response.reason_phrase}".strip()
                if response.status_code < 500:
                    raise NotificationHTTPError(
                        f"{what} was rejected: {where} answered {status}: {text!r}. Check the "
                        "block's URL and settings (`riverrun block inspect SLUG/NAME`).",
                        response.status_code,
                        response.text,
                    )
                last = f"{where} answered {status}: {text!r}"
                if attempt == attempts:
                    raise NotificationHTTPError(
                        f"{what} failed after {attempts} attempt(s): {last}.",
                        response.status_code,
                        response.text,
                    )
            if attempt < attempts:
                time.sleep(backoff * 2 ** (attempt - 1))
    if "timed out" in last:
        raise NotificationTimeout(f"{what} failed after {attempts} attempt(s): {last}.")
    raise NotificationError(
        f"{what} failed after {attempts} attempt(s): {last}. Check that the URL is right and "
        "the service is reachable from this machine."
    )
