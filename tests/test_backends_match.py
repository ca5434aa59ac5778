"""The HTTP backend is a hand-written twin of the Store's service methods: keep them equal."""

from __future__ import annotations

import inspect

from riverrun._store.service import Store
from riverrun.client._http import HttpBackend

# Connection plumbing of the in-process store, which a remote backend has no use for.
_STORE_ONLY = {"begin", "connect", "dispose", "engine", "text"}


def _public(cls: type) -> set[str]:
    return {name for name in dir(cls) if not name.startswith("_")}


def test_http_backend_offers_every_store_service_method() -> None:
    assert _public(Store) - _STORE_ONLY == _public(HttpBackend)


def test_http_backend_methods_take_the_store_methods_parameters() -> None:
    for name in _public(HttpBackend):
        store_params = list(inspect.signature(getattr(Store, name)).parameters)
        http_params = list(inspect.signature(getattr(HttpBackend, name)).parameters)
        assert http_params == store_params, name
