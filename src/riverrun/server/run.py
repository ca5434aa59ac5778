"""Serve the app with uvicorn: what ``riverrun server start`` runs once it has checked things."""

from __future__ import annotations

import ipaddress

from riverrun.server.config import ServerConfig


def is_loopback(host: str) -> bool:
    """Whether ``host`` is reachable only from this machine (127.0.0.0/8, ::1, localhost)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def serve(config: ServerConfig, host: str, port: int, log_level: str = "info") -> None:
    """Run the server in this process until interrupted."""
    import uvicorn

    from riverrun.server.app import create_app

    uvicorn.run(
        create_app(config),
        host=host,
        port=port,
        log_level=log_level,
        # The proxy headers of an untrusted client must not pick the address that the
        # failed-key limiter counts; trust them only from a proxy on this machine.
        proxy_headers=True,
        forwarded_allow_ips="127.0.0.1",
        server_header=False,
    )
