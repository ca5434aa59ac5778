"""The public surface is pinned: changing it must be deliberate."""

from __future__ import annotations

import riverrun


def test_riverrun_all_is_pinned() -> None:
    assert riverrun.__all__ == sorted(
        [
            "Flow",
            "State",
            "Task",
            "Transaction",
            "__version__",
            "allow_failure",
            "apause_flow_run",
            "aresume_flow_run",
            "aserve",
            "asuspend_flow_run",
            "deploy",
            "flow",
            "get_client",
            "get_run_logger",
            "pause_flow_run",
            "resume_flow_run",
            "serve",
            "suspend_flow_run",
            "tags",
            "task",
            "unmapped",
        ]
    )


def test_every_exported_name_resolves() -> None:
    for name in riverrun.__all__:
        assert getattr(riverrun, name) is not None


def test_unknown_attribute_is_an_attribute_error() -> None:
    import pytest

    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        riverrun.nope  # noqa: B018


def test_prefect_schema_paths_are_the_same_modules_as_riverrun_schemas() -> None:
    import riverrun.client.schemas.filters as prefect_path
    import riverrun.schemas.filters as own_path
    from riverrun.client.schemas.objects import FlowRun
    from riverrun.schemas.objects import FlowRun as OwnFlowRun

    assert prefect_path is own_path
    assert FlowRun is OwnFlowRun
