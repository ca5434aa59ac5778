"""Prefect 3.9.1's public names are riverrun's, or the allowlist says why not.

The snapshot (tests/conformance/surface/prefect.json) is recorded from Prefect itself by
``scripts/record-surface``; each missing name must match an allowlist entry whose reason is one
of the allowed kinds, and every entry must still be needed.
"""

from __future__ import annotations

import fnmatch
from pathlib import Path

from conformance.surface.allowlist import ALLOWED, REASONS
from conformance.surface.check import markdown, prefect_names, reason_for, riverrun_has, snapshot

DOCS = Path(__file__).resolve().parents[1] / "docs" / "compatibility.md"


def _missing() -> list[str]:
    return [n.key for n in prefect_names() if not riverrun_has(n)]


def test_snapshot_is_of_prefect_3_9_1() -> None:
    assert snapshot()["prefect_version"] == "3.9.1"


def test_every_missing_prefect_name_is_allowlisted() -> None:
    unexplained = [key for key in _missing() if reason_for_key(key) is None]
    assert not unexplained, "Prefect names riverrun lacks, with no allowlist entry:\n" + "\n".join(
        unexplained
    )


def test_every_allowlist_reason_is_of_an_allowed_kind() -> None:
    bad = {p: r for p, r in ALLOWED.items() if not r.startswith(REASONS)}
    assert not bad


def test_every_allowlist_entry_still_matches_a_missing_name() -> None:
    missing = _missing()
    stale = [p for p in ALLOWED if not any(fnmatch.fnmatchcase(k, p) for k in missing)]
    assert not stale, f"allowlist entries riverrun no longer needs (delete them): {stale}"


def test_compatibility_doc_reports_current_coverage() -> None:
    assert markdown() in DOCS.read_text(), (
        "docs/compatibility.md's coverage table is out of date; paste the output of "
        "`python tests/conformance/surface/check.py`"
    )


def reason_for_key(key: str) -> str | None:
    module, _, name = key.partition(":")
    from conformance.surface.check import Name

    return reason_for(Name(module, name))
