"""The version of the operation table's wire format, which client and server must share.

Raise ``API_VERSION`` when an operation changes in a way an older client or server would
misread (a parameter renamed or retyped, an answer reshaped); adding an operation or an
optional parameter does not. Clients send theirs in ``API_VERSION_HEADER``; a server with
another refuses the request with a message naming both, and answers with its own.
"""

from riverrun._internal.version import package_version

__all__ = ["API_VERSION", "API_VERSION_HEADER", "RIVERRUN_VERSION_HEADER", "mismatch_message",
           "package_version"]  # fmt: skip

API_VERSION = "1"
API_VERSION_HEADER = "X-Riverrun-API-Version"
RIVERRUN_VERSION_HEADER = "X-Riverrun-Version"


def mismatch_message(client_api: str, client_version: str, server_api: str,
                     server_version: str, server_url: str) -> str:  # fmt: skip
    """What to tell a user whose client and server speak different API versions."""
    return (
        f"This riverrun client (riverrun {client_version}, API version {client_api}) and the "
        f"server at {server_url} (riverrun {server_version}, API version {server_api}) do not "
        "speak the same API. Install the same riverrun version on both: upgrade the older one."
    )
