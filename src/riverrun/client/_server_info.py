"""The client's questions about the API it talks to: Prefect's ``hello``, ``api_version`` and
``client_version``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from riverrun._api.version import API_VERSION, package_version

if TYPE_CHECKING:
    import httpx

    from riverrun._api.store_api import StoreAPI

HELLO = "👋"


class ServerInfoClientMixin:
    """What the client can ask about its server, or about the embedded store it uses."""

    _backend: StoreAPI

    def hello(self) -> httpx.Response:
        """Say hello to the API: ``GET /hello``, whose answer is ``"👋"`` (a check that the
        server answers and accepts the key). Embedded, the answer is made here."""
        import httpx

        from riverrun.client._http import HttpBackend

        if isinstance(self._backend, HttpBackend):
            return self._backend._request("GET", "hello")
        return httpx.Response(200, json=HELLO)

    def api_version(self) -> str:
        """The version of the API the server speaks (the embedded store speaks this
        client's), e.g. ``"1"``; a client and server of different API versions refuse each
        other with a message naming both."""
        from riverrun.client._http import HttpBackend

        if isinstance(self._backend, HttpBackend):
            return str(self._backend._request("GET", "version").json()["api_version"])
        return API_VERSION

    def client_version(self) -> str:
        """This client's riverrun version (``riverrun.__version__``); a plain call on both
        clients, as in Prefect."""
        return package_version()
