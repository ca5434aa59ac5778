"""The demo job: a small pipeline in the seed guide's style, recorded in the embedded store.

Flows and tasks use dotted names that inherit their parent's prefix (``vtasks``,
``vtasks.backup``, ``vtasks.backup.copy``), with tags, logs, a retry and a mapped task.
Run it with ``python examples/demo.py``; then ``riverrun flow-run ls --tree`` shows the tree.
"""

from __future__ import annotations

from riverrun import flow, get_run_logger, runtime, tags, task


@task(name="vtasks.backup.backup_files")
def backup_files(folder: str) -> int:
    get_run_logger().info(f"Backing up {folder}")
    return len(folder)


@task(name="vtasks.backup.clean_backups", retries=2, retry_delay_seconds=0)
def clean_backups(keep: int) -> int:
    # Fails on its first attempt only, so every run shows a retry and still completes.
    if runtime.task_run.run_count == 1:
        raise RuntimeError("transient storage error (retried)")
    return keep


@task(name="vtasks.backup.copy")
def copy(files: int) -> str:
    return f"copied {files} files"


@flow(name="vtasks.backup")
def backup(folders: list[str]) -> str:
    counts = backup_files.map(folders)
    clean_backups(keep=3)
    return copy(sum(counts.result()))


@task(name="vtasks.expensor.read")
def read() -> list[float]:
    return [12.5, 7.25, 3.0]


@task(name="vtasks.expensor.report")
def report(expenses: list[float]) -> float:
    total = sum(expenses)
    get_run_logger().info(f"Total expenses: {total:.2f}")
    return total


@flow(name="vtasks.expensor")
def expensor() -> float:
    return report(read())


@flow(name="vtasks", log_prints=True)
def vtasks(env: str = "pro") -> None:
    print(f"Running vtasks in {env}")
    backup(["photos", "documents", "music"])
    expensor()


if __name__ == "__main__":
    with tags("env:pro", "type:demo"):
        vtasks("pro")
