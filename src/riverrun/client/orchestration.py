"""The clients: query and command riverrun's runs, flows, logs, artifacts and variables.

``SyncRiverrunClient`` holds every method once (the operations of the table generated, a few
Prefect-shaped ones by hand); ``RiverrunClient`` (Prefect's ``PrefectClient``) has a generated
``async`` twin of each, running the sync method in a worker thread, so the two can never drift
apart and nothing is bound to an event loop: ``asyncio.run(get_client().update_flow_run(...))``
works any number of times. ``scripts/generate`` rewrites the generated parts.

Example:
    >>> async with get_client() as client:
    ...     runs = await client.read_flow_runs(sort=FlowRunSort.START_TIME_DESC, limit=5)
"""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, Optional, Union, overload
from uuid import UUID

from riverrun.client._async import AsyncOperations
from riverrun.client._automations import AutomationClientMixin
from riverrun.client._blocks import BlockClientMixin
from riverrun.client._concurrency import ConcurrencyClientMixin
from riverrun.client._deployments import DeploymentClientMixin
from riverrun.client._operations import ClientOperations
from riverrun.client._runs_write import RunWriteClientMixin
from riverrun.client._server_info import ServerInfoClientMixin
from riverrun.schemas import objects as o

if TYPE_CHECKING:
    from typing_extensions import Self

    from riverrun._api.store_api import StoreAPI

    # For annotations only (update_work_queue imports WorkQueueUpdate when called): the
    # CLI's read commands never need schemas.actions.
    from riverrun.schemas.actions import VariableCreate, VariableUpdate


class SyncRiverrunClient(
    ConcurrencyClientMixin,
    ClientOperations,
    AutomationClientMixin,
    BlockClientMixin,
    DeploymentClientMixin,
    RunWriteClientMixin,
    ServerInfoClientMixin,
):
    """The synchronous client (Prefect's ``SyncPrefectClient``); method names as Prefect 3.

    Every operation of the table (``riverrun._api``) is a method here with the table's
    signature (``ClientOperations``, generated); the methods below are those whose Prefect
    shape differs from the operation they use.

    Use it as a context manager or bare; it opens nothing until the first call.

    Args:
        backend: where calls go (default: what the current settings name — the embedded
            store, ``RIVERRUN_DATABASE_URL``, or a server at ``RIVERRUN_API_URL``).
    """

    def __init__(self, backend: Optional[StoreAPI] = None, **_ignored: object) -> None:
        if backend is None:
            from riverrun.client._transport import backend_for
            from riverrun.settings import get_current_settings

            backend = backend_for(get_current_settings())
        self._backend: StoreAPI = backend

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._backend!r})"

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    def api_healthcheck(self) -> Optional[Exception]:
        """None if the store (or server) answers, else the exception it raised."""
        try:
            self._backend.count_flow_runs()
        except Exception as exc:
            return exc
        return None

    # -- variables: Prefect's client takes VariableCreate / VariableUpdate ----------------------
    def read_variables(self, limit: Optional[int] = None) -> list[o.Variable]:
        """Every variable, by name."""
        return self._backend.read_variables(limit=limit)

    def create_variable(self, variable: VariableCreate) -> o.Variable:
        """Create a variable; raises ``ObjectAlreadyExists`` if the name is taken."""
        return self._backend.create_variable(variable.name, variable.value, variable.tags)

    def update_variable(
        self, variable: Union[VariableCreate, VariableUpdate], name: Optional[str] = None
    ) -> o.Variable:
        """Change a variable's value (and tags); raises ``ObjectNotFound``.

        ``variable`` is a ``VariableCreate`` (it names the variable) or a ``VariableUpdate``
        with ``name=`` given.
        """
        target = name or getattr(variable, "name", None)
        if not target:
            raise TypeError("update_variable needs the variable's name: pass name=...")
        return self._backend.update_variable(target, variable.value, variable.tags)

    # -- work queues: Prefect's client takes the changes as keywords ----------------------------
    def update_work_queue(self, id: Union[UUID, str], **kwargs: Any) -> None:
        """Change a work queue's fields (``is_paused``, ``concurrency_limit``, ``priority``,
        ``name``, ``description``); raises ``ObjectNotFound``."""
        if not kwargs:
            raise ValueError(
                "update_work_queue needs at least one field to change, e.g. is_paused=True."
            )
        from riverrun.schemas.actions import WorkQueueUpdate

        self._backend.update_work_queue(id, WorkQueueUpdate(**kwargs))


class RiverrunClient(AsyncOperations):
    """The async client (Prefect's ``PrefectClient``): every public method of
    ``SyncRiverrunClient``, as a coroutine that runs it in a worker thread
    (``AsyncOperations``, generated).

    Use it as ``async with get_client() as client`` or bare; it holds no event-loop state,
    so one instance serves any number of ``asyncio.run`` calls.
    """

    def __init__(self, backend: Optional[StoreAPI] = None, **kwargs: object) -> None:
        self._sync = SyncRiverrunClient(backend, **kwargs)

    def __repr__(self) -> str:
        return f"RiverrunClient({self._sync._backend!r})"

    @property
    def api_url(self) -> Optional[str]:
        """The server's API URL, or None when the client uses the embedded store."""
        return self._sync.api_url

    def client_version(self) -> str:
        """This client's riverrun version; a plain call, not a coroutine, as in Prefect."""
        return self._sync.client_version()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None


# Prefect's names, for code ported with the class-name replacement only.
SyncClient = SyncRiverrunClient


@overload
def get_client(sync_client: Literal[False] = False, **kwargs: Any) -> RiverrunClient: ...


@overload
def get_client(sync_client: Literal[True], **kwargs: Any) -> SyncRiverrunClient: ...


@overload
def get_client(
    sync_client: bool = ..., **kwargs: Any
) -> Union[RiverrunClient, SyncRiverrunClient]: ...


def get_client(
    sync_client: bool = False, **kwargs: Any
) -> Union[RiverrunClient, SyncRiverrunClient]:
    """The client for the current settings: async by default, sync with ``sync_client=True``.

    Example:
        >>> with get_client(sync_client=True) as client:
        ...     client.read_flow_runs(limit=1)
    """
    if sync_client:
        return SyncRiverrunClient(**kwargs)
    return RiverrunClient(**kwargs)


__all__ = ["RiverrunClient", "SyncClient", "SyncRiverrunClient", "get_client"]
