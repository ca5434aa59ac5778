"""Transactions: group work so that it commits or rolls back together, as ``prefect.transactions``.

A task run inside ``with transaction():`` stages its result in its own transaction, which the
enclosing one adopts as a child: when the block ends the children commit (their ``on_commit``
hooks run, their records are written) and when the block raises they roll back (their
``on_rollback`` hooks run, newest first). A transaction with a ``key`` and a store is *committed
already* when the store holds a record under that key, which is how idempotent work skips.

Example:
    >>> with transaction(key="load-2024-01-01") as txn:
    ...     if not txn.is_committed():
    ...         txn.stage(load_partition("2024-01-01"))

This module is stdlib only: the engine looks up the active transaction on every task run.
"""

from __future__ import annotations

import asyncio
import copy
import enum
import inspect
import logging
import uuid
from collections.abc import AsyncGenerator, Callable, Generator
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar, Token
from typing import TYPE_CHECKING, Any, ClassVar, NoReturn

from riverrun.exceptions import ConfigurationError, MissingContextError, SerializationError

if TYPE_CHECKING:  # pragma: no cover
    from riverrun.results import ResultStore

_logger = logging.getLogger("riverrun.transactions")


class _AutoEnum(str, enum.Enum):
    """Members whose value is their name, as Prefect's ``AutoEnum``."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}.{self.name}"


class IsolationLevel(_AutoEnum):
    """READ_COMMITTED: readers see committed records; SERIALIZABLE: one writer per key (locks)."""

    READ_COMMITTED = "READ_COMMITTED"
    SERIALIZABLE = "SERIALIZABLE"


class CommitMode(_AutoEnum):
    """EAGER: commit on leaving the block; LAZY: when the outermost block ends; OFF: never."""

    EAGER = "EAGER"
    LAZY = "LAZY"
    OFF = "OFF"


class TransactionState(_AutoEnum):
    """Where a transaction is in its life."""

    PENDING = "PENDING"
    ACTIVE = "ACTIVE"
    STAGED = "STAGED"
    COMMITTED = "COMMITTED"
    ROLLED_BACK = "ROLLED_BACK"


class _NotSet:
    def __repr__(self) -> str:
        return "NotSet"

    def __deepcopy__(self, memo: dict[int, Any]) -> _NotSet:
        return self  # a sentinel: ``get`` deep-copies whatever it finds


NotSet: Any = _NotSet()

Hook = Callable[..., Any]


def _hook_name(hook: Hook) -> str:
    return str(
        getattr(hook, "__name__", None)
        or getattr(getattr(hook, "func", None), "__name__", repr(hook))
    )


class BaseTransaction:
    """What sync and async transactions share: state, staged value, hooks, children, values."""

    __var__: ClassVar[ContextVar[BaseTransaction]] = ContextVar("riverrun_transaction")

    store: ResultStore | None
    key: str | None
    children: list[BaseTransaction]
    commit_mode: CommitMode | None
    isolation_level: IsolationLevel | None
    state: TransactionState
    on_commit_hooks: list[Hook]
    on_rollback_hooks: list[Hook]
    overwrite: bool
    write_on_commit: bool
    logger: logging.Logger | logging.LoggerAdapter[logging.Logger]

    def __init__(
        self,
        store: ResultStore | None = None,
        key: str | None = None,
        commit_mode: CommitMode | None = None,
        isolation_level: IsolationLevel | None = IsolationLevel.READ_COMMITTED,
        overwrite: bool = False,
        write_on_commit: bool = True,
        logger: logging.Logger | logging.LoggerAdapter[logging.Logger] | None = None,
        on_commit_hooks: list[Hook] | None = None,
        on_rollback_hooks: list[Hook] | None = None,
    ) -> None:
        self.store = store
        self.key = key
        self.children: list[BaseTransaction] = []
        self.commit_mode = commit_mode
        self.isolation_level = isolation_level
        self.state = TransactionState.PENDING
        self.on_commit_hooks: list[Hook] = list(on_commit_hooks or [])
        self.on_rollback_hooks: list[Hook] = list(on_rollback_hooks or [])
        self.overwrite = overwrite
        self.write_on_commit = write_on_commit
        self.logger: logging.Logger | logging.LoggerAdapter[logging.Logger] = logger or _logger
        self._stored_values: dict[str, Any] = {}
        self._staged_value: Any = None
        self._holder = str(uuid.uuid4())
        self._token: Token[BaseTransaction] | None = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(key={self.key!r}, state={self.state.name})"

    # -- values shared by the work inside --------------------------------------------------
    def set(self, name: str, value: Any) -> None:
        """Keep a value for the work inside this transaction (and its children)."""
        self._stored_values[name] = value

    def get(self, name: str, default: Any = NotSet) -> Any:
        """A copy of a value set here or in a parent; ``ValueError`` if unknown and no default."""
        value = copy.deepcopy(self._stored_values.get(name, NotSet))
        if value is NotSet:
            parent = self.get_parent()
            if parent is not None:
                value = parent.get(name, default)
            elif default is not NotSet:
                value = default
            else:
                raise ValueError(f"Could not retrieve value for unknown key: {name}")
        return value

    # -- state ----------------------------------------------------------------------------
    def is_committed(self) -> bool:
        return self.state is TransactionState.COMMITTED

    def is_rolled_back(self) -> bool:
        return self.state is TransactionState.ROLLED_BACK

    def is_staged(self) -> bool:
        return self.state is TransactionState.STAGED

    def is_pending(self) -> bool:
        return self.state is TransactionState.PENDING

    def is_active(self) -> bool:
        return self.state is TransactionState.ACTIVE

    def prepare_transaction(self) -> None:
        """Inherit commit mode and isolation from the parent; check the store supports them."""
        if self._token is not None:
            raise RuntimeError("Context already entered. Context enter calls cannot be nested.")
        parent = get_transaction()
        if self.commit_mode is None:
            self.commit_mode = parent.commit_mode if parent else CommitMode.LAZY
        if self.isolation_level is None:
            self.isolation_level = (
                parent.isolation_level if parent else IsolationLevel.READ_COMMITTED
            )
        if (
            self.store is not None
            and self.key
            and not self.store.supports_isolation_level(self.isolation_level)
        ):
            raise ConfigurationError(
                f"Isolation level {getattr(self.isolation_level, 'name', None)} is not supported by provided "
                "configuration. Please ensure you've provided a lock file directory or lock "
                "manager when using the SERIALIZABLE isolation level."
            )
        self.state = TransactionState.ACTIVE

    def add_child(self, transaction: BaseTransaction) -> None:
        self.children.append(transaction)

    def get_parent(self) -> BaseTransaction | None:
        """The transaction this one is nested in."""
        if self._token is not None:
            previous = self._token.old_value
            return None if previous is Token.MISSING else previous
        return self.get_active()

    def stage(
        self,
        value: Any,
        on_rollback_hooks: list[Hook] | None = None,
        on_commit_hooks: list[Hook] | None = None,
    ) -> None:
        """Stage a value (and hooks) to be written when the transaction commits."""
        if self.state is not TransactionState.COMMITTED:
            self._staged_value = value
            self.on_rollback_hooks += on_rollback_hooks or []
            self.on_commit_hooks += on_commit_hooks or []
            self.state = TransactionState.STAGED

    @classmethod
    def get_active(cls) -> BaseTransaction | None:
        return cls.__var__.get(None)

    def _serializable(self) -> bool:
        return bool(
            self.store is not None
            and self.key
            and self.isolation_level is IsolationLevel.SERIALIZABLE
        )

    def _release(self) -> None:
        if self._serializable() and self.store is not None and self.key:
            self.logger.debug(f"Releasing lock for transaction {self.key!r}")
            if self.store.is_lock_holder(self.key, holder=self._holder):
                self.store.release_lock(self.key, holder=self._holder)

    def run_hook(self, hook: Hook, hook_type: str) -> None:
        """Run one hook with this transaction, logging it as Prefect does."""
        name = _hook_name(hook)
        should_log = getattr(hook, "log_on_run", True)
        if should_log:
            self.logger.info(f"Running {hook_type} hook {name!r}")
        try:
            result = hook(self)
            if inspect.isawaitable(result):
                _run_coroutine(result)
        except Exception:
            if should_log:
                self.logger.error(
                    f"An error was encountered while running {hook_type} hook {name!r}"
                )
            raise
        if should_log:
            self.logger.info(
                f"{hook_type.capitalize()} hook {name!r} finished running successfully"
            )

    def read(self) -> Any:
        """The record stored under this transaction's key, or None."""
        if self.store is not None and self.key:
            return self.store.read(key=self.key, holder=self._holder)
        return None

    def serialize(self) -> dict[str, Any]:
        """A plain description of the transaction (for logs and debugging)."""
        return {
            "key": self.key, "state": self.state.name, "commit_mode": getattr(self.commit_mode, "name", None),
            "isolation_level": getattr(self.isolation_level, "name", None), "overwrite": self.overwrite,
            "write_on_commit": self.write_on_commit, "children": [c.serialize() for c in self.children],
        }  # fmt: skip

    # -- the life of a transaction (sync; AsyncTransaction awaits the same steps) -------------
    def begin(self) -> None:
        """Take the lock (SERIALIZABLE) and find out whether the record is already committed."""
        if self._serializable() and self.store is not None and self.key:
            self.logger.debug(f"Acquiring lock for transaction {self.key!r}")
            self.store.acquire_lock(self.key, holder=self._holder)
        if (
            not self.overwrite
            and self.store is not None
            and self.key
            and self.store.exists(key=self.key)
        ):
            self.state = TransactionState.COMMITTED

    def commit(self) -> bool:
        """Commit children, run commit hooks, write the staged record; False if nothing to do."""
        if self.state in (TransactionState.ROLLED_BACK, TransactionState.COMMITTED):
            self._release()
            return False
        try:
            for child in self.children:
                child.commit()
            for hook in self.on_commit_hooks:
                self.run_hook(hook, "commit")
            if self.store is not None and self.key and self.write_on_commit:
                self.store.write(key=self.key, obj=self._staged_value, holder=self._holder)
            self.state = TransactionState.COMMITTED
            self._release()
            return True
        except SerializationError as exc:
            self.logger.warning(
                f"Encountered an error while serializing result for transaction {self.key!r}: {exc}"
                " Code execution will continue, but the transaction will not be committed."
            )
            self.rollback()
            return False
        except Exception:
            self.logger.exception(
                f"An error was encountered while committing transaction {self.key!r}"
            )
            self.rollback()
            return False

    def rollback(self) -> bool:
        """Run rollback hooks (newest first), then roll children back; False if already done."""
        if self.state in (TransactionState.ROLLED_BACK, TransactionState.COMMITTED):
            return False
        try:
            for hook in reversed(self.on_rollback_hooks):
                self.run_hook(hook, "rollback")
            self.state = TransactionState.ROLLED_BACK
            for child in reversed(self.children):
                child.rollback()
            return True
        except Exception:
            self.logger.exception(
                f"An error was encountered while rolling back transaction {self.key!r}"
            )
            return False
        finally:
            self._release()

    def reset(self) -> None:
        """Leave the context: hand this transaction to its parent, which now decides for it."""
        parent = self.get_parent()
        if parent is not None:
            parent.add_child(self)
        if self._token is not None:
            self.__var__.reset(self._token)
            self._token = None
        if parent is not None and self.state is TransactionState.ROLLED_BACK:
            parent.rollback()

    def _enter(self) -> None:
        self.prepare_transaction()
        self.begin()
        self._token = self.__var__.set(self)

    def _exit(self, exc: BaseException | None) -> None:
        if self._token is None:
            raise RuntimeError("Asymmetric use of context. Context exit called without an enter.")
        if exc is not None:
            self.rollback()
            self.reset()
            return
        if self.commit_mode is CommitMode.EAGER:
            self.commit()
        if self.get_parent() is not None:
            self.reset()
            return
        if self.commit_mode is CommitMode.OFF:
            self.rollback()
        elif self.commit_mode is CommitMode.LAZY:
            self.commit()
        self.reset()


class Transaction(BaseTransaction):
    """A transaction used with ``with``."""

    def __enter__(self) -> Transaction:
        self._enter()
        return self

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> None:
        self._exit(exc)


class AsyncTransaction(BaseTransaction):
    """A transaction used with ``async with``; hooks may be coroutine functions."""

    async def __aenter__(self) -> AsyncTransaction:
        self.prepare_transaction()
        await asyncio.to_thread(self.begin)
        self._token = self.__var__.set(self)
        return self

    async def __aexit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> None:
        self._exit(exc)

    def __enter__(self) -> NoReturn:
        raise NotImplementedError(
            "AsyncTransaction does not support the `with` statement. Use the `async with` statement instead."
        )

    def __exit__(self, *exc_info: Any) -> NoReturn:
        raise NotImplementedError(
            "AsyncTransaction does not support the `with` statement. Use the `async with` statement instead."
        )


def _run_coroutine(awaitable: Any) -> Any:
    """Run an async hook to completion from sync code (on a fresh loop in a helper thread)."""
    import concurrent.futures

    async def wrapper() -> Any:
        return await awaitable

    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, wrapper()).result()


def get_transaction() -> BaseTransaction | None:
    """The innermost active transaction, or None."""
    return BaseTransaction.__var__.get(None)


def _defaults(
    key: str | None, store: ResultStore | None, logger: Any
) -> tuple[ResultStore | None, logging.Logger | logging.LoggerAdapter[logging.Logger]]:
    if key and store is None:
        from riverrun.results import get_result_store

        store = get_result_store()
    if logger is None:
        from riverrun.logging import get_run_logger

        try:
            logger = get_run_logger()
        except MissingContextError:
            logger = _logger
    return store, logger


@contextmanager
def transaction(
    key: str | None = None,
    store: ResultStore | None = None,
    commit_mode: CommitMode | None = None,
    isolation_level: IsolationLevel | None = None,
    overwrite: bool = False,
    write_on_commit: bool = True,
    logger: logging.Logger | logging.LoggerAdapter[logging.Logger] | None = None,
) -> Generator[Transaction, None, None]:
    """Open a transaction; task runs inside it commit or roll back with it.

    Args:
        key: identifies the transaction's record; with it, a record already in the store makes
            the transaction committed from the start (unless ``overwrite``).
        store: the ``riverrun.results.ResultStore`` for the record (default: the run's).
        commit_mode: ``CommitMode.LAZY`` (default at the top), ``EAGER`` or ``OFF``; nested
            transactions inherit their parent's.
        isolation_level: ``IsolationLevel.READ_COMMITTED`` (default) or ``SERIALIZABLE`` (needs
            a store with a lock manager).
        overwrite: write the record even if one exists.
        write_on_commit: write the staged value to the store on commit.
        logger: where hook runs are logged (default: the run logger, else ``riverrun.transactions``).
    """
    store, log = _defaults(key, store, logger)
    txn = Transaction(
        key=key, store=store, commit_mode=commit_mode, isolation_level=isolation_level,
        overwrite=overwrite, write_on_commit=write_on_commit, logger=log,
    )  # fmt: skip
    with txn:
        yield txn


@asynccontextmanager
async def atransaction(
    key: str | None = None,
    store: ResultStore | None = None,
    commit_mode: CommitMode | None = None,
    isolation_level: IsolationLevel | None = None,
    overwrite: bool = False,
    write_on_commit: bool = True,
    logger: logging.Logger | logging.LoggerAdapter[logging.Logger] | None = None,
) -> AsyncGenerator[AsyncTransaction, None]:
    """``transaction`` for async code (``async with atransaction(...) as txn``)."""
    store, log = _defaults(key, store, logger)
    txn = AsyncTransaction(
        key=key, store=store, commit_mode=commit_mode, isolation_level=isolation_level,
        overwrite=overwrite, write_on_commit=write_on_commit, logger=log,
    )  # fmt: skip
    async with txn:
        yield txn


# -- the engine's side: one call per task run, nothing at all when no transaction is involved --
def task_run_transaction(
    value: Any,
    key: str | None,
    failed: bool,
    on_commit: list[Hook],
    on_rollback: list[Hook],
    logger: Any,
) -> None:
    """Stage a finished task run in a transaction of its own, adopted by the active one.

    As Prefect (measured): inside an open transaction, a completed run's commit hooks run when
    the outermost transaction commits and its rollback hooks when it rolls back; with none
    open, a completed run commits at once. A failed run stages nothing (its own hooks never
    run) and rolls its transaction back, which rolls back the enclosing one.
    """
    txn = Transaction(key=key, logger=logger)
    txn._enter()
    if failed:
        txn.rollback()
    else:
        txn.stage(value, on_rollback_hooks=list(on_rollback), on_commit_hooks=list(on_commit))
    txn._exit(None)


__all__ = [
    "AsyncTransaction",
    "BaseTransaction",
    "CommitMode",
    "IsolationLevel",
    "Transaction",
    "TransactionState",
    "atransaction",
    "get_transaction",
    "transaction",
]
