"""The HTTP backend: the ``Store``'s methods, over a riverrun server's API.

``SyncRiverrunClient`` (and the async client derived from it) call ``backend.<store
method>(...)``; this class offers the same names and signatures, so every client method
works unchanged against a server at ``RIVERRUN_API_URL``. Errors come back as the store's
own exceptions: 404 is ``ObjectNotFound``, 409 ``ObjectAlreadyExists``; a refused API key,
a rejected request or a failing server is a ``RiverrunHTTPStatusError`` carrying the
server's message; an unreachable server is ``RiverrunServerUnreachable`` naming the URL.

One ``httpx.Client`` (a pool of kept-alive connections) is shared by every backend with the
same URL and key in the process, and closed at exit.
"""

from __future__ import annotations

import atexit
import threading
import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from riverrun.exceptions import (
    ObjectAlreadyExists,
    ObjectNotFound,
    RiverrunHTTPStatusError,
    RiverrunServerUnreachable,
)

if TYPE_CHECKING:
    import httpx

    from riverrun.schemas import objects as o
    from riverrun.schemas.blocks import (
        BlockDocument,
        BlockDocumentCreate,
        BlockDocumentUpdate,
        BlockSchema,
        BlockSchemaCreate,
        BlockType,
        BlockTypeCreate,
        BlockTypeUpdate,
    )
    from riverrun.settings import Settings
    from riverrun.states import State

_UNSET: Any = object()
_TIMEOUT_S = 30.0
_CONNECT_TIMEOUT_S = 5.0




_clients: dict[tuple[str, str | None], httpx.Client] = {}
_clients_lock = threading.Lock()


def _shared_client(url: str, key: str | None) -> httpx.Client:
    import httpx

    with _clients_lock:
        client = _clients.get((url, key))
        if client is None:
            headers = {"Accept": "application/json"}
            if key:
                headers["Authorization"] = f"Bearer {key}"
            client = httpx.Client(
                base_url=url.rstrip("/") + "/",
                headers=headers,
                timeout=httpx.Timeout(_TIMEOUT_S, connect=_CONNECT_TIMEOUT_S),
            )
            if not _clients:
                atexit.register(close_clients)
            _clients[(url, key)] = client
        return client


def close_clients() -> None:
    """Close every shared HTTP connection pool (at exit; tests)."""
    with _clients_lock:
        for client in _clients.values():
            client.close()
        _clients.clear()


def _dump(model: Any) -> Any:
    return None if model is None else model.model_dump(mode="json", exclude_unset=True)


def _sort(sort: Any) -> Any:
    return None if sort is None else str(getattr(sort, "value", sort))


def _id(value: uuid.UUID | str) -> str:
    return str(value)


def _tags(tags: Iterable[str] | None) -> list[str] | None:
    if tags is None:
        return None
    # A set has no order; sort it as the store does, so every backend answers alike.
    return sorted(tags) if isinstance(tags, (set, frozenset)) else list(tags)


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:500] or response.reason_phrase
    if isinstance(body, dict) and "detail" in body:
        return str(body["detail"])
    return str(body)[:500]


class HttpBackend:
    """The store's interface over HTTP, for ``RIVERRUN_API_URL`` (with ``RIVERRUN_API_KEY``).

    Args:
        settings: the settings naming the server (``api_url``) and the key (``api_key``).

    Nothing is opened until the first call.
    """

    def __init__(self, settings: Settings) -> None:
        self.url = str(settings.api_url).rstrip("/")
        self._key: str | None = settings.api_key or None

    def __repr__(self) -> str:
        return f"HttpBackend({self.url!r})"

    # -- transport ---------------------------------------------------------------------------
    def _request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        ok_statuses: tuple[int, ...] = (),
    ) -> httpx.Response:
        import httpx

        from riverrun._recording import flush_pending

        # Read your writes: whatever this process recorded reaches the server first.
        flush_pending()
        client = _shared_client(self.url, self._key)
        if params:
            params = {k: v for k, v in params.items() if v is not None}
        try:
            response = client.request(method, path.lstrip("/"), json=json, params=params)
        except httpx.TransportError as exc:
            raise RiverrunServerUnreachable(
                f"Cannot reach the riverrun server at {self.url} ({type(exc).__name__}: {exc}). "
                "Start it with `riverrun server start`, check RIVERRUN_API_URL, or unset it to "
                "use the embedded store."
            ) from None
        if response.is_success or response.status_code in ok_statuses:
            return response
        raise self._error(method, path, response)

    def _error(self, method: str, path: str, response: httpx.Response) -> Exception:
        status, detail = response.status_code, _detail(response)
        if status == 404:
            return ObjectNotFound(detail)
        if status == 409:
            return ObjectAlreadyExists(detail)
        if status in (401, 403):
            message = f"The riverrun server at {self.url} refused the request ({status}): {detail}"
        elif status in (400, 413, 422):
            message = (f"The riverrun server at {self.url} rejected {method} /{path.lstrip('/')} "
                       f"({status}): {detail}")  # fmt: skip
        elif status == 429:
            message = f"The riverrun server at {self.url} is slowing this client down: {detail}"
        else:
            message = (f"The riverrun server at {self.url} failed on {method} /{path.lstrip('/')} "
                       f"({status}): {detail}. Its log has the details.")  # fmt: skip
        error = RiverrunHTTPStatusError(message)
        error.status_code = status  # type: ignore[attr-defined]
        return error

    def _get(self, path: str, **params: Any) -> Any:
        return self._request("GET", path, params=params).content

    def _post(self, path: str, body: Any = None, **params: Any) -> Any:
        return self._request("POST", path, json=body, params=params).content

    # -- events ----------------------------------------------------------------------------------
    def ingest(self, events: list[dict[str, Any]]) -> None:
        """POST a batch of events to ``/events`` (idempotent on the server)."""
        if events:
            self._post("events", {"events": events})

    # -- flow runs -------------------------------------------------------------------------------
    def read_flow_runs(self, *, flow_filter: Any = None, flow_run_filter: Any = None,
                       task_run_filter: Any = None, deployment_filter: Any = None,
                       sort: Any = None, limit: int | None = None,
                       offset: int | None = 0) -> list[o.FlowRun]:  # fmt: skip
        """Flow runs matching the filters (``POST /flow_runs/filter``)."""
        body = {**self._run_filters(flow_filter, flow_run_filter, task_run_filter,
                                    deployment_filter),
                "sort": _sort(sort), "limit": limit, "offset": offset or 0}  # fmt: skip
        return _parse("list[FlowRun]", self._post("flow_runs/filter", body))

    def count_flow_runs(self, *, flow_filter: Any = None, flow_run_filter: Any = None,
                        task_run_filter: Any = None, deployment_filter: Any = None) -> int:  # fmt: skip
        """How many flow runs match (``POST /flow_runs/count``)."""
        body = self._run_filters(flow_filter, flow_run_filter, task_run_filter, deployment_filter)
        return int(self._request("POST", "flow_runs/count", json=body).json())

    def read_flow_run(self, flow_run_id: uuid.UUID | str) -> o.FlowRun:
        """One flow run."""
        return _parse("FlowRun", self._get(f"flow_runs/{_id(flow_run_id)}"))

    def update_flow_run(self, flow_run_id: uuid.UUID | str, name: str | None = None,
                        tags: Iterable[str] | None = None) -> None:  # fmt: skip
        """Rename and/or retag a flow run."""
        body = {"name": name, "tags": _tags(tags)}
        self._request("PATCH", f"flow_runs/{_id(flow_run_id)}", json=body)

    def set_flow_run_state(self, flow_run_id: uuid.UUID | str, state: State,
                           force: bool = False) -> o.OrchestrationResult:  # fmt: skip
        """Propose a state; a 409 answer is a rejection, returned as the result."""
        return self._set_state("flow_runs", _id(flow_run_id), state, force)

    def read_flow_run_states(self, flow_run_id: uuid.UUID | str) -> list[State]:
        """Every state of a flow run, oldest first."""
        return _parse("list[State]", self._get(f"flow_runs/{_id(flow_run_id)}/states"))

    def delete_flow_run(self, flow_run_id: uuid.UUID | str) -> None:
        """Delete a flow run with everything recorded about it."""
        self._request("DELETE", f"flow_runs/{_id(flow_run_id)}")

    # -- task runs -------------------------------------------------------------------------------
    def read_task_runs(self, *, flow_filter: Any = None, flow_run_filter: Any = None,
                       task_run_filter: Any = None, deployment_filter: Any = None,
                       sort: Any = None, limit: int | None = None,
                       offset: int | None = 0) -> list[o.TaskRun]:  # fmt: skip
        """Task runs matching the filters."""
        body = {**self._run_filters(flow_filter, flow_run_filter, task_run_filter,
                                    deployment_filter),
                "sort": _sort(sort), "limit": limit, "offset": offset or 0}  # fmt: skip
        return _parse("list[TaskRun]", self._post("task_runs/filter", body))

    def count_task_runs(self, *, flow_filter: Any = None, flow_run_filter: Any = None,
                        task_run_filter: Any = None, deployment_filter: Any = None) -> int:  # fmt: skip
        """How many task runs match."""
        body = self._run_filters(flow_filter, flow_run_filter, task_run_filter, deployment_filter)
        return int(self._request("POST", "task_runs/count", json=body).json())

    def read_task_run(self, task_run_id: uuid.UUID | str) -> o.TaskRun:
        """One task run."""
        return _parse("TaskRun", self._get(f"task_runs/{_id(task_run_id)}"))

    def set_task_run_state(self, task_run_id: uuid.UUID | str, state: State,
                           force: bool = False) -> o.OrchestrationResult:  # fmt: skip
        """Propose a state for a task run."""
        return self._set_state("task_runs", _id(task_run_id), state, force)

    def read_task_run_states(self, task_run_id: uuid.UUID | str) -> list[State]:
        """Every state of a task run, oldest first."""
        return _parse("list[State]", self._get(f"task_runs/{_id(task_run_id)}/states"))

    # -- flows -----------------------------------------------------------------------------------
    def read_flows(self, *, flow_filter: Any = None, flow_run_filter: Any = None,
                   task_run_filter: Any = None, deployment_filter: Any = None, sort: Any = None,
                   limit: int | None = None, offset: int | None = 0) -> list[o.Flow]:  # fmt: skip
        """Flows matching the filters."""
        body = {**self._run_filters(flow_filter, flow_run_filter, task_run_filter,
                                    deployment_filter),
                "sort": _sort(sort), "limit": limit, "offset": offset or 0}  # fmt: skip
        return _parse("list[Flow]", self._post("flows/filter", body))

    def read_flow(self, flow_id: uuid.UUID | str) -> o.Flow:
        """One flow by ID."""
        return _parse("Flow", self._get(f"flows/{_id(flow_id)}"))

    def read_flow_by_name(self, flow_name: str) -> o.Flow:
        """One flow by name."""
        return _parse("Flow", self._get(f"flows/name/{_quote(flow_name)}"))

    # -- logs and artifacts ----------------------------------------------------------------------
    def read_logs(self, log_filter: Any = None, limit: int | None = None,
                  offset: int | None = None, sort: Any = "TIMESTAMP_ASC") -> list[o.Log]:  # fmt: skip
        """Log lines matching the filter."""
        body = {"log_filter": _dump(log_filter), "limit": limit, "offset": offset or 0,
                "sort": _sort(sort) or "TIMESTAMP_ASC"}  # fmt: skip
        return _parse("list[Log]", self._post("logs/filter", body))

    def read_artifacts(self, *, artifact_filter: Any = None, flow_run_filter: Any = None,
                       task_run_filter: Any = None, sort: Any = None, limit: int | None = None,
                       offset: int | None = 0) -> list[o.Artifact]:  # fmt: skip
        """Artifacts matching the filters."""
        body = {"artifact_filter": _dump(artifact_filter),
                "flow_run_filter": _dump(flow_run_filter),
                "task_run_filter": _dump(task_run_filter), "sort": _sort(sort), "limit": limit,
                "offset": offset or 0}  # fmt: skip
        return _parse("list[Artifact]", self._post("artifacts/filter", body))

    def create_artifact(self, **fields: Any) -> o.Artifact:
        """Store an artifact (fields of ``ArtifactCreate``)."""
        return _parse("Artifact", self._post("artifacts/", fields))

    # -- variables -------------------------------------------------------------------------------
    def read_variable_by_name(self, name: str) -> o.Variable | None:
        """The variable, or None."""
        response = self._request("GET", f"variables/name/{_quote(name)}", ok_statuses=(404,))
        return None if response.status_code == 404 else _parse("Variable", response.content)

    def read_variables(self, variable_filter: Any = None, sort: Any = None,
                       limit: int | None = None, offset: int | None = 0) -> list[o.Variable]:  # fmt: skip
        """Variables matching the filter."""
        body = {"variable_filter": _dump(variable_filter), "sort": _sort(sort), "limit": limit,
                "offset": offset or 0}  # fmt: skip
        return _parse("list[Variable]", self._post("variables/filter", body))

    def create_variable(self, name: str, value: Any = None,
                        tags: Iterable[str] | None = None) -> o.Variable:  # fmt: skip
        """Create a variable (``ObjectAlreadyExists`` if the name is taken)."""
        body = {"name": name, "value": value, "tags": _tags(tags) or []}
        return _parse("Variable", self._post("variables/", body))

    def update_variable(self, name: str, value: Any = _UNSET,
                        tags: Iterable[str] | None = None) -> o.Variable:  # fmt: skip
        """Change a variable's value and/or tags."""
        body: dict[str, Any] = {"tags": _tags(tags)}
        if value is not _UNSET:
            body["value"] = value
        response = self._request("PATCH", f"variables/name/{_quote(name)}", json=body)
        return _parse("Variable", response.content)

    def set_variable(self, name: str, value: Any, tags: Iterable[str] | None = None) -> o.Variable:
        """Create the variable or overwrite its value."""
        body = {"value": value, "tags": _tags(tags)}
        response = self._request("PUT", f"variables/name/{_quote(name)}", json=body)
        return _parse("Variable", response.content)

    def delete_variable_by_name(self, name: str) -> None:
        """Delete a variable."""
        self._request("DELETE", f"variables/name/{_quote(name)}")

    # -- deployments -----------------------------------------------------------------------------
    def read_deployments(self, *, deployment_filter: Any = None, flow_filter: Any = None,
                         sort: Any = None, limit: int | None = None,
                         offset: int | None = 0) -> list[o.Deployment]:  # fmt: skip
        """Deployments matching the filters."""
        body = {"deployment_filter": _dump(deployment_filter), "flow_filter": _dump(flow_filter),
                "sort": _sort(sort), "limit": limit, "offset": offset or 0}  # fmt: skip
        return _parse("list[Deployment]", self._post("deployments/filter", body))

    def read_deployment(self, deployment_id: uuid.UUID | str) -> o.Deployment:
        """One deployment."""
        return _parse("Deployment", self._get(f"deployments/{_id(deployment_id)}"))

    # -- blocks ----------------------------------------------------------------------------------
    def create_block_type(self, block_type: BlockTypeCreate) -> BlockType:
        """Create (or update, by slug) a block type."""
        return _parse("BlockType", self._post("block_types/", _dump(block_type)))

    def update_block_type(self, block_type_id: str, block_type: BlockTypeUpdate) -> None:
        """Change a block type's presentation."""
        self._request("PATCH", f"block_types/{block_type_id}", json=_dump(block_type))

    def read_block_type_by_slug(self, slug: str) -> BlockType:
        """A block type by slug."""
        return _parse("BlockType", self._get(f"block_types/slug/{_quote(slug)}"))

    def read_block_types(self) -> list[BlockType]:
        """Every block type."""
        return _parse("list[BlockType]", self._post("block_types/filter"))

    def delete_block_type(self, block_type_id: str) -> None:
        """Delete a block type with its schemas and documents."""
        self._request("DELETE", f"block_types/{block_type_id}")

    def create_block_schema(self, block_schema: BlockSchemaCreate) -> BlockSchema:
        """Register a block schema."""
        return _parse("BlockSchema", self._post("block_schemas/", _dump(block_schema)))

    def read_block_schema_by_checksum(self, checksum: str,
                                      version: str | None = None) -> BlockSchema:  # fmt: skip
        """A block schema by checksum (and version)."""
        path = f"block_schemas/checksum/{_quote(checksum)}"
        return _parse("BlockSchema", self._get(path, version=version))

    def read_block_schemas(self, block_type_id: str | None = None) -> list[BlockSchema]:
        """Every block schema (of one type, if given)."""
        body = {"block_type_id": block_type_id}
        return _parse("list[BlockSchema]", self._post("block_schemas/filter", body))

    def create_block_document(self, block_document: BlockDocumentCreate, overwrite: bool = False,
                              include_secrets: bool = True) -> BlockDocument:  # fmt: skip
        """Save a block."""
        content = self._post("block_documents/", _dump(block_document),
                             overwrite=str(overwrite).lower(),
                             include_secrets=str(include_secrets).lower())  # fmt: skip
        return _parse("BlockDocument", content)

    def update_block_document(self, block_document_id: str,
                              block_document: BlockDocumentUpdate) -> None:  # fmt: skip
        """Replace or merge a saved block's values."""
        body = block_document.model_dump(mode="json")
        self._request("PATCH", f"block_documents/{block_document_id}", json=body)

    def read_block_document(self, block_document_id: str,
                            include_secrets: bool = True) -> BlockDocument:  # fmt: skip
        """A saved block by ID."""
        content = self._get(f"block_documents/{block_document_id}",
                            include_secrets=str(include_secrets).lower())  # fmt: skip
        return _parse("BlockDocument", content)

    def read_block_document_by_name(self, name: str, block_type_slug: str,
                                    include_secrets: bool = True) -> BlockDocument:  # fmt: skip
        """A saved block by type slug and name."""
        path = f"block_types/slug/{_quote(block_type_slug)}/block_documents/name/{_quote(name)}"
        return _parse("BlockDocument",
                      self._get(path, include_secrets=str(include_secrets).lower()))  # fmt: skip

    def read_block_documents(self, block_type_slug: str | None = None,
                             include_secrets: bool = False, offset: int = 0,
                             limit: int | None = None) -> list[BlockDocument]:  # fmt: skip
        """Saved blocks (of one type, if given)."""
        body = {"block_type_slug": block_type_slug, "include_secrets": include_secrets,
                "offset": offset or 0, "limit": limit}  # fmt: skip
        return _parse("list[BlockDocument]", self._post("block_documents/filter", body))

    def delete_block_document(self, block_document_id: str) -> None:
        """Delete a saved block."""
        self._request("DELETE", f"block_documents/{block_document_id}")

    # -- helpers ---------------------------------------------------------------------------------
    @staticmethod
    def _run_filters(flow_filter: Any, flow_run_filter: Any, task_run_filter: Any,
                     deployment_filter: Any) -> dict[str, Any]:  # fmt: skip
        return {"flow_filter": _dump(flow_filter), "flow_run_filter": _dump(flow_run_filter),
                "task_run_filter": _dump(task_run_filter),
                "deployment_filter": _dump(deployment_filter)}  # fmt: skip

    def _set_state(self, resource: str, run_id: str, state: State,
                   force: bool) -> o.OrchestrationResult:  # fmt: skip
        response = self._request("POST", f"{resource}/{run_id}/set_state",
                                 json={"state": state.to_dict(), "force": force},
                                 ok_statuses=(409,))  # fmt: skip
        return _parse("OrchestrationResult", response.content)


def check_login(url: str, key: str | None) -> dict[str, Any]:
    """Check that a riverrun server answers at ``url`` and accepts ``key``.

    Returns:
        The server's ``/version`` answer.

    Raises:
        RiverrunServerUnreachable: nothing answers at the URL.
        RiverrunHTTPStatusError: the server refused the key (the message says why), or the
            URL is not a riverrun API.
    """
    from riverrun.settings import temporary_settings

    with temporary_settings(api_url=url, api_key=key):
        from riverrun.settings import get_current_settings

        backend = HttpBackend(get_current_settings())
    try:
        answer = backend._request("GET", "version").json()
    except ObjectNotFound:
        answer = None
    except ValueError:
        answer = None
    if not isinstance(answer, dict) or "riverrun" not in answer:
        raise RiverrunHTTPStatusError(
            f"{url} answered, but not as a riverrun server's API. The URL should end in /api "
            "(e.g. http://127.0.0.1:4200/api)."
        )
    return answer


_PARSERS: dict[str, Any] = {}


def _parse(kind: str, content: bytes) -> Any:
    adapter = _PARSERS.get(kind)
    if adapter is None:
        from pydantic import TypeAdapter

        from riverrun.schemas import blocks as b
        from riverrun.schemas import objects as o
        from riverrun.states import State

        names = {**{n: getattr(o, n) for n in o.__all__},
                 **{n: getattr(b, n) for n in b.__all__ if n[0].isupper()}, "State": State}  # fmt: skip
        if kind.startswith("list["):
            adapter = TypeAdapter(list[names[kind[5:-1]]])  # type: ignore[misc,arg-type]
        else:
            adapter = TypeAdapter(names[kind])
        _PARSERS[kind] = adapter
    return adapter.validate_json(content)


def _quote(segment: str) -> str:
    from urllib.parse import quote

    return quote(segment, safe="")


__all__ = ["HttpBackend", "RiverrunServerUnreachable", "check_login", "close_clients"]
