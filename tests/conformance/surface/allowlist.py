"""Prefect names riverrun does not have, each with the reason (checked by tests/test_surface.py).

Keys are ``fnmatch`` patterns over ``prefect.module:Name`` or ``prefect.module:Class.member``
(Prefect's spelling). An entry that matches no missing name fails the test, so the list only
shrinks as riverrun grows.
"""

from __future__ import annotations

# Every reason starts with one of these.
REASONS = (
    "Cloud-only",
    "Docker image builds",
    "Prefect 2 shim",
    "issue 13",  # deployments, serve, from_source
    "issue 14",  # workers, work pools, work queues
    "issue 15",  # concurrency limits
    "issue 16",  # automations, events
    "Dask/Ray",  # task runners being built by another helper now
    "issue 12, not yet",  # this issue, left for a later session: named so it shows
    "Prefect internal",  # what Prefect's own engine and server use; not documented user API
    "Prefect test suite",  # helpers for Prefect's own tests
)


def _client(methods: str, reason: str) -> dict[str, str]:
    # One pattern for both clients: the sync client lacks a few async-only members (``loop``).
    return {f"prefect.client.orchestration:*PrefectClient.{m}": reason for m in methods.split()}


ALLOWED: dict[str, str] = {
    # -- deployments, serving, workers: other issues -------------------------------------
    "prefect.deployments:*": "issue 13: deployments",
    "prefect.runtime.flow_run:job_variables": "issue 14: work pool job variables",
    "prefect.flows:serve": "issue 13: serve",
    "prefect.flows:aserve": "issue 13: serve",
    "prefect.flows:Flow.*deploy": "issue 13: deployments",
    "prefect.flows:Flow.*to_deployment": "issue 13: deployments",
    "prefect.flows:Flow.*from_source": "issue 13: deployments",
    "prefect.flows:load_*": "issue 13: loading flows from entrypoints for deployments",
    "prefect.flows:safe_load_flow_from_entrypoint": "issue 13: loading flows for deployments",
    "prefect.flows:select_flow": "issue 13: loading flows for deployments",
    "prefect.flows:is_entrypoint_async": "issue 13: loading flows for deployments",
    "prefect.flows:InfrastructureBoundFlow": "issue 14: flows bound to work pool infrastructure",
    "prefect.flows:bind_flow_to_infrastructure": "issue 14: flows bound to work pool infrastructure",
    "prefect.client.schemas.objects:Work*": "issue 14: work pools and queues",
    "prefect.client.schemas.objects:Worker*": "issue 14: workers",
    "prefect.client.schemas.objects:QueueFilter": "issue 14: work queues",
    "prefect.client.schemas.objects:Deployment*": "issue 13: deployments",
    "prefect.client.schemas.objects:BranchingScheduleHandling": "issue 13: deployment branches",
    "prefect.client.schemas.objects:Agent": "Prefect 2 shim: agents were replaced by workers",
    "prefect.client.schemas.actions:Deployment*": "issue 13: deployments",
    "prefect.client.schemas.filters:DeploymentFilter*": "issue 13: deployment filters",
    "prefect.client.schemas.objects:FlowRun.work_pool_id": "issue 14: work pools",
    "prefect.client.schemas.objects:FlowRun.work_queue_id": "issue 14: work queues",
    "prefect.client.schemas.objects:FlowRun.job_variables": "issue 14: work pool job variables",
    "prefect.client.schemas.objects:FlowRun.infrastructure_*": "issue 14: worker infrastructure",
    "prefect.client.schemas.objects:FlowRun.deployment_version": "issue 13: deployments",
    "prefect.client.schemas.objects:FlowRun.auto_scheduled": "issue 13: deployment schedules",
    # -- concurrency, automations, events ------------------------------------------------
    "prefect.client.schemas.actions:*ConcurrencyLimit*": "issue 15: concurrency",
    "prefect.[ae][uv]*:*WorkPool": "issue 16: automation actions on work pools",
    "prefect.[ae][uv]*:*WorkQueue": "issue 16: automation actions on work queues",
    "prefect.[ae][uv]*:DeleteFlowRun": "issue 16: automation action deleting a flow run",
    "prefect.[ae][uv]*:SuspendFlowRun": "issue 16: automation action suspending a flow run",
    "prefect.[ae][uv]*:DeclareIncident": "Cloud-only: incidents",
    "prefect.[ae][uv]*:*Trigger": "issue 16: the abstract trigger classes (Trigger, ResourceTrigger, CompositeTrigger)",
    "prefect.events:Action": "issue 16: the abstract action class",
    "prefect.events:UnknownAction": "issue 16: actions of a newer server",
    "prefect.events:Automation": "issue 16: events (riverrun.automations.Automation is the public class)",
    "prefect.events:FlowRunSubscriber": "issue 16: streaming events over a websocket",
    "prefect.events:get_events_*": "issue 16: streaming events over a websocket",
    "prefect.client.schemas.sorting:AutomationSort": "issue 16: automations",
    "prefect.context:FlowRunContext.events": "issue 16: events",
    # -- Dask/Ray and task runners -------------------------------------------------------
    "prefect.futures:PrefectDistributedFuture": "issue 12, not yet: futures of Task.delay runs on task workers",
    "prefect.task_runners:PrefectTaskRunner": "issue 12, not yet: the task runner that submits to task workers",
    "prefect.task_runners:ConcurrentTaskRunner": "Prefect 2 shim: renamed ThreadPoolTaskRunner",
    # -- Cloud and Prefect's own machinery -----------------------------------------------
    "prefect.client.schemas:Workspace": "Cloud-only: workspaces",
    "prefect.client.schemas.objects:Workspace": "Cloud-only: workspaces",
    "prefect.client.schemas.objects:IPAllowlist*": "Cloud-only: IP allowlists",
    "prefect.client.schemas.objects:CsrfToken": "Prefect internal: the server's CSRF tokens",
    "prefect.client.schemas.objects:Integration": "Prefect internal: collection registry entries",
    "prefect.client.schemas.objects:VersionInfo": "issue 13: deployment version info",
    "prefect.client.schemas.objects:Configuration": "Prefect internal: server configuration rows",
    "prefect.client.schemas.objects:SavedSearch*": "Prefect internal: UI saved searches",
    "prefect.client.schemas.actions:SavedSearchCreate": "Prefect internal: UI saved searches",
    "prefect.client.schemas.objects:ServerDefaultResultStorage*": "Prefect internal: server-side default result storage",
    "prefect.client.schemas.objects:data_discriminator": "Prefect internal: pydantic discriminator",
    "prefect.client.schemas.objects:Constant": "Prefect internal: task input placeholder",
    "prefect.client.schemas.objects:Parameter": "Prefect internal: task input placeholder",
    "prefect.client.schemas.objects:TaskRunResult": "Prefect internal: task input placeholder",
    "prefect.client.schemas.objects:FlowRunResult": "Prefect internal: task input placeholder",
    "prefect.client.schemas:TaskRunResult": "Prefect internal: task input placeholder",
    "prefect.client.schemas:FlowRunResult": "Prefect internal: task input placeholder",
    "prefect.client.schemas:SetStateStatus": "Prefect internal: the server's answer to a proposed state",
    "prefect.client.schemas:State*Details": "Prefect internal: the server's answer to a proposed state",
    "prefect.client.schemas.objects:RunType": "Prefect internal: run kinds of the event stream",
    "prefect.client.schemas.objects:*.reset_fields": "Prefect internal: PrefectBaseModel helper",
    "prefect.client.schemas.filters:*.reset_fields": "Prefect internal: PrefectBaseModel helper",
    "prefect.client.schemas.objects:*.set_default_name": "Prefect internal: pydantic validator",
    "prefect.client.schemas.objects:State.default_*": "Prefect internal: pydantic validator",
    "prefect.client.schemas.objects:State.set_unpersisted_results_to_none": "Prefect internal: pydantic validator",
    "prefect.client.schemas.objects:StateDetails.to_run_result": "Prefect internal: task input placeholder",
    "prefect.client.schemas.objects:StateDetails.reset_fields": "Prefect internal: PrefectBaseModel helper",
    "prefect.client.schemas.filters:FilterSet": "Prefect internal: UI filter sets",
    "prefect.client.schemas.objects:FlowRun.infrastructure_pid": "issue 14: worker infrastructure",
    "prefect.client.schemas.objects:*estimated_*": "issue 12, not yet: estimated run times",
    "prefect.client.schemas.objects:TaskRun.next_scheduled_start_time": "issue 12, not yet: task worker scheduling",
    "prefect.client.schemas.objects:FlowRun.created_by": "issue 12, not yet: created_by of runs started by deployments/automations",
    "prefect.client.schemas.filters:FlowRunFilter.created_by": "issue 12, not yet: created_by of runs",
    "prefect.client.schemas.filters:FlowRunFilterCreatedBy": "issue 12, not yet: created_by of runs",
    "prefect.blocks.core:block_schema_to_key": "Prefect internal: block registration",
    "prefect.blocks.core:schema_extra": "Prefect internal: block registration",
    "prefect.blocks.core:Block.annotation_refers_to_block_class": "Prefect internal: block registration",
    "prefect.blocks.core:Block.get_block_placeholder": "Prefect internal: block references in job templates",
    "prefect.blocks.core:Block.ser_model": "Prefect internal: pydantic serializer",
    "prefect.blocks.core:Block.validate_block_type_slug": "Prefect internal: pydantic validator",
    "prefect.blocks.core:Block.*load_from_ref": "issue 14: block references in work pool job templates",
    "prefect.blocks.notifications:*Apprise*": "Prefect internal: base classes over the apprise library, which riverrun does not use",
    "prefect.blocks.notifications:MattermostWebhook": "issue 12, not yet: more notification services",
    "prefect.blocks.notifications:OpsgenieWebhook": "issue 12, not yet: more notification services",
    "prefect.blocks.notifications:PagerDutyWebHook": "issue 12, not yet: more notification services",
    "prefect.blocks.notifications:TwilioSMS": "issue 12, not yet: more notification services",
    "prefect.blocks.abstract:*": "issue 12, not yet: abstract block interfaces of integrations",
    "prefect.testing.utilities:*": "Prefect test suite: helpers for Prefect's own tests",
    "prefect.context:AssetContext": "issue 12, not yet: assets",
    "prefect.context:FlowRunContext.task_run_assets": "issue 12, not yet: assets",
    "prefect.tasks:MaterializingTask": "issue 12, not yet: assets",
    "prefect.context:EngineContext": "Prefect internal: base of FlowRunContext",
    "prefect.context:RunContext": "Prefect internal: base of FlowRunContext and TaskRunContext",
    "prefect.context:ContextModel": "Prefect internal: base of its context models",
    "prefect.context:*ClientContext": "Prefect internal: client reuse inside Prefect's engine",
    "prefect.context:FlowRunContext.client": "Prefect internal: client reuse inside Prefect's engine",
    "prefect.context:TaskRunContext.client": "Prefect internal: client reuse inside Prefect's engine",
    "prefect.context:GLOBAL_SETTINGS_CONTEXT": "Prefect internal: settings context plumbing",
    "prefect.context:*settings_context": "Prefect internal: settings context plumbing",
    "prefect.context:hydrated_context": "Prefect internal: context transport to workers",
    "prefect.context:serialize_context": "Prefect internal: context transport to workers",
    "prefect.context:FlowRunContext.flow_run_suspension_request": "Prefect internal: suspension plumbing",
    "prefect.context:FlowRunContext.task_run_dynamic_keys": "Prefect internal: task run key counters",
    "prefect.context:FlowRunContext.detached": "Prefect internal: detached engine runs",
    "prefect.context:*.input_keyset": "Prefect internal: run input plumbing",
    "prefect.context:*.serialize": "Prefect internal: context transport to workers",
    "prefect.states:to_state_create": "Prefect internal: client state payloads",
    "prefect.states:StateGroup": "Prefect internal: the engine's summary of many states",
    "prefect.states:InfrastructurePending": "issue 14: worker infrastructure",
    "prefect.states:Submitting": "issue 14: worker submissions",
    "prefect.logging.loggers:get_worker_logger": "issue 14: workers",
    "prefect.futures:PrefectWrappedFuture": "Prefect internal: base of its task-runner futures",
    "prefect.futures:PrefectTaskRunFuture": "Prefect internal: base of its task-runner futures",
    "prefect.futures:PrefectFlowRunFuture": "issue 13: futures of deployment runs",
    "prefect.task_worker:*": "issue 12, not yet: Task.delay with task workers",
    "prefect.task_runs:TaskRunWaiter": "issue 12, not yet: Task.delay with task workers",
    "prefect.tasks:Task.delay": "issue 12, not yet: Task.delay with task workers",
    "prefect.tasks:Task.apply_async": "issue 12, not yet: Task.delay with task workers",
    "prefect.tasks:Task.serve": "issue 12, not yet: Task.delay with task workers",
    "prefect.tasks:Task.aserve": "issue 12, not yet: Task.delay with task workers",
    "prefect.results:get_or_create_default_task_scheduling_storage": "issue 12, not yet: Task.delay with task workers",
    "prefect.tasks:Task.create_run": "Prefect internal: its engine's run creation",
    "prefect.tasks:Task.create_local_run": "Prefect internal: its engine's run creation",
    "prefect.flows:Flow.*mermaid*": "issue 12, not yet: flow visualisation",
    "prefect.flows:Flow.*visualize": "issue 12, not yet: flow visualisation",
    "prefect.flows:FlowDecorator": "Prefect internal: the typing protocol of @flow",
    "prefect.flows:FlowStateHook": "Prefect internal: the typing protocol of flow hooks",
    "prefect.tasks:TaskOptions": "Prefect internal: the TypedDict of with_options",
    "prefect.tasks:TaskRunNameCallbackWithParameters": "Prefect internal: a typing protocol",
    "prefect.settings:canonical_environment_prefix": "Prefect internal: settings plumbing",
    "prefect.settings:PREFECT_UI_URL": "issue 12, not yet: UI URL setting object",
    "prefect.client.schemas.objects:BlockSchemaReference": "Prefect internal: nested block schemas",
    "prefect.client.schemas.objects:BlockDocumentReference": "Prefect internal: nested block documents",
    "prefect.client.schemas.actions:BlockDocumentReferenceCreate": "Prefect internal: nested block documents",
    # -- this issue, left for later ---------------------------------------------------------
    "prefect.client.schemas.filters:Block*": "issue 12, not yet: block filters in the client",
    "prefect.client.schemas.sorting:BlockDocumentSort": "issue 12, not yet: block filters in the client",
    "prefect.client.schemas.actions:*": "issue 12, not yet: Prefect's request models for flows and runs (riverrun's create_flow_run and update_flow_run take keyword arguments)",
    "prefect.client.schemas:RunInput": "Prefect internal: the base of its task input placeholders",
    "prefect.client.schemas.objects:Block*": "issue 12, not yet: block objects under the client's schema path",
    "prefect.client.schemas.objects:RunInput": "Prefect internal: the base of its task input placeholders",
    "prefect.results:*result_storage*": "issue 12, not yet: filesystem blocks as result storage (prefect.filesystems)",
    "prefect.results:ResultStore.*update_for_*": "issue 12, not yet: filesystem blocks as result storage (prefect.filesystems)",
    "prefect.results:default_cache": "Prefect internal: the in-memory result cache",
    "prefect.results:should_persist_result": "issue 12, not yet: a results helper reading the run context (riverrun.results is a leaf module)",
    "prefect.filesystems:*": "issue 12, not yet: filesystem blocks as result storage",
    "prefect.context:FlowRunContext.*": "issue 12, not yet: FlowRunContext fields",
    "prefect.context:TaskRunContext.*": "issue 12, not yet: TaskRunContext fields",
    "prefect.context:with_context": "issue 12, not yet: logging with_context for subprocesses",
    "prefect.settings:DEFAULT_PROFILES_PATH": "Prefect internal: the profiles file shipped inside Prefect's package (riverrun ships none)",
    "prefect.settings:PREFECT_API_AUTH_STRING": "issue 12, not yet: HTTP basic auth to a server (riverrun's server checks API keys)",
    "prefect.states:return_value_to_state": "Prefect internal: its engine's turning a return value into a final state with a result record (riverrun's engine decides it in _engine)",
    "prefect.runtime.flow_run:*": "issue 12, not yet: runtime fields",
    "prefect.artifacts:Artifact.reset_fields": "Prefect internal: PrefectBaseModel helper",
    "prefect.client.schemas.objects:*": "issue 12, not yet: client object fields",
    "prefect.client.schemas.filters:*": "issue 12, not yet: filter fields",
    "prefect.blocks.*": "issue 12, not yet: block methods",
    # -- the client ---------------------------------------------------------------------------
    **_client("*deployment*", "issue 13: deployments"),
    **_client(
        "increment_concurrency_slots increment_concurrency_slots_with_lease "
        "release_concurrency_slots increment_v1_concurrency_slots decrement_v1_concurrency_slots",
        "Prefect internal: raw HTTP calls (they return httpx Responses) under "
        "prefect.concurrency; riverrun's concurrency() and tag limits take slots through "
        "acquire_concurrency_slots_with_lease, which works embedded too",
    ),
    **_client("read_events_page", "issue 15: events (read_events returns a list, no pages yet)"),
    **_client(
        "*server_default_result_storage*", "Prefect internal: server-side default result storage"
    ),
    **_client(
        "loop raise_for_api_version_mismatch* request",
        "Prefect internal: HTTP client plumbing",
    ),
}
