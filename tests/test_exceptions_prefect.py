"""Prefect's exception classes: the HTTP status error is httpx's, defined without loading httpx early."""

from __future__ import annotations

import pickle
import subprocess
import sys

import pytest

import riverrun.exceptions as exceptions


def test_http_status_error_is_an_httpx_status_error_and_not_a_riverrun_exception() -> None:
    import httpx

    from riverrun.exceptions import RiverrunHTTPStatusError

    assert issubclass(RiverrunHTTPStatusError, httpx.HTTPStatusError)
    assert not issubclass(RiverrunHTTPStatusError, exceptions.RiverrunException)


def test_http_status_error_carries_request_response_and_status() -> None:
    import httpx

    from riverrun.exceptions import RiverrunHTTPStatusError

    request = httpx.Request("GET", "http://127.0.0.1/api/x")
    response = httpx.Response(418, request=request, json={"detail": "teapot"})
    error = RiverrunHTTPStatusError.from_httpx_error(
        httpx.HTTPStatusError("418 I'm a teapot", request=request, response=response)
    )
    assert error.status_code == 418 and error.request is request
    assert "Response: {'detail': 'teapot'}" in str(error)


def test_http_status_error_without_a_request_says_so_when_asked() -> None:
    from riverrun.exceptions import RiverrunHTTPStatusError

    error = RiverrunHTTPStatusError("not a riverrun API")
    assert error.status_code is None
    with pytest.raises(RuntimeError):
        _ = error.request


def test_http_status_error_pickles_by_name() -> None:
    from riverrun.exceptions import RiverrunHTTPStatusError

    assert type(pickle.loads(pickle.dumps(RiverrunHTTPStatusError("x")))) is RiverrunHTTPStatusError


def test_importing_the_exceptions_does_not_import_httpx() -> None:
    code = "import sys, riverrun.exceptions as e; e.FlowPauseTimeout; print('httpx' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize(
    "name", ["FlowPauseTimeout", "NotPausedError", "FlowRunWaitTimeout", "HashError", "MissingProfileError",
             "BlockMissingCapabilities", "ProtectedBlockError", "InfrastructureError", "UnspecifiedFlowError"],
)  # fmt: skip
def test_prefects_classes_derive_from_riverrun_exception(name: str) -> None:
    assert issubclass(getattr(exceptions, name), exceptions.RiverrunException)


def test_import_error_is_an_import_error() -> None:
    assert issubclass(exceptions.RiverrunImportError, ImportError)


def test_event_too_large_names_both_sizes() -> None:
    assert str(exceptions.EventTooLarge(10, 5)) == "Event is too large to emit (10 > 5 bytes)"
