"""Which due runs of a deployment start, wait, or are skipped: catchup and overlap, decided purely.

``catchup`` (runs a schedule made that are already past their time):
    ``all`` (Prefect's behaviour, the default) runs every one; ``latest`` runs only the newest
    and skips the older; ``none`` skips any that is late (more than ``LATE_AFTER`` past its
    time). ``catchup_window``, when set, skips any older than the window, whatever the mode.
``overlap`` (a run is due while another run of the deployment is still Pending or Running):
    ``allow`` (the default) starts it; ``skip`` skips it; ``buffer_one`` lets the newest wait
    and skips older waiting ones; ``buffer_all`` lets all wait; ``cancel_other`` cancels the
    runs in progress and starts it.

Runs made by hand (no schedule) are never skipped by catchup, only by overlap.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# A scheduled run not started this long (µs) after its time is Late (and "missed" for catchup).
LATE_AFTER_US = 15_000_000


@dataclass(frozen=True)
class DueRun:
    """A Scheduled run whose time has come: its ID, time (µs) and whether a schedule made it."""

    id: str
    expected_start_us: int
    auto: bool


@dataclass
class Decision:
    """What to do with a deployment's due runs."""

    start: list[str] = field(default_factory=list)
    skip: list[tuple[str, str]] = field(default_factory=list)  # (run ID, reason)
    wait: list[str] = field(default_factory=list)
    cancel: list[str] = field(default_factory=list)  # runs in progress to cancel


def decide(
    due: list[DueRun],
    active: list[str],
    now_us: int,
    catchup: str = "all",
    catchup_window_us: int | None = None,
    overlap: str = "allow",
) -> Decision:
    """Apply catchup, then overlap, to ``due`` (any order) given the runs in progress.

    Args:
        due: Scheduled runs at or past their time.
        active: IDs of the deployment's Pending or Running runs.
        now_us: the current time, epoch microseconds.
        catchup: ``all`` | ``latest`` | ``none``.
        catchup_window_us: skip scheduled runs older than this, if set.
        overlap: ``allow`` | ``skip`` | ``buffer_one`` | ``buffer_all`` | ``cancel_other``.
    """
    decision = Decision()
    ordered = sorted(due, key=lambda r: (r.expected_start_us, r.id))
    kept: list[DueRun] = []
    newest_auto = max(
        (r for r in ordered if r.auto), key=lambda r: r.expected_start_us, default=None
    )
    for run in ordered:
        late_by = now_us - run.expected_start_us
        if run.auto and catchup_window_us is not None and late_by > catchup_window_us:
            decision.skip.append((run.id, f"its time passed more than the catchup window "
                                          f"({catchup_window_us / 1e6:g} s) ago"))  # fmt: skip
        elif run.auto and catchup == "latest" and run is not newest_auto:
            decision.skip.append((run.id, "a newer scheduled run is due (catchup=latest)"))
        elif run.auto and catchup == "none" and late_by > LATE_AFTER_US:
            decision.skip.append(
                (run.id, f"it missed its time by {late_by / 1e6:.0f} s (catchup=none)")
            )
        else:
            kept.append(run)
    if not kept:
        return decision
    if not active or overlap == "allow":
        decision.start = [r.id for r in kept]
    elif overlap == "skip":
        running = ", ".join(active)
        decision.skip += [
            (r.id, f"run {running} was still in progress (overlap=skip)") for r in kept
        ]
    elif overlap == "buffer_one":
        *older, newest = kept
        decision.skip += [(r.id, "a newer run is waiting (overlap=buffer_one)") for r in older]
        decision.wait = [newest.id]
    elif overlap == "buffer_all":
        decision.wait = [r.id for r in kept]
    elif overlap == "cancel_other":
        decision.cancel = list(active)
        decision.start = [r.id for r in kept]
    else:
        raise ValueError(
            f"Unknown overlap policy {overlap!r}; use allow, skip, buffer_one, buffer_all or "
            "cancel_other."
        )
    return decision


def materialise_window(
    dates_us: list[int], now_us: int, min_runs: int = 3, min_time_us: int = 3_600_000_000
) -> list[int]:
    """Prefect's bounds: keep dates until there are ``min_runs`` and one reaches ``min_time``.

    ``dates_us`` are already limited to at most 100 runs and 100 days (the caller asks the
    schedule for no more), so the result has at least 3 runs and 1 hour, at most those.
    """
    kept: list[int] = []
    for when in sorted(dates_us):
        kept.append(when)
        if len(kept) >= min_runs and when >= now_us + min_time_us:
            break
    return kept


def jitter_us(schedule_id: str, when_us: int, jitter_seconds: float | None) -> int:
    """The same offset in [0, jitter) for a (schedule, time) in every process (a hash, not random)."""
    if not jitter_seconds:
        return 0
    import hashlib

    digest = hashlib.blake2b(f"{schedule_id}:{when_us}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % max(1, int(jitter_seconds * 1_000_000))
