"""Run loggers, log_prints, runtime and context objects."""

import logging

from observe import call, exc, logs, value
from prefect import flow, get_run_logger, task
from prefect.context import FlowRunContext, TaskRunContext, get_run_context
from prefect.exceptions import MissingContextError


def scenario_flow_log_lines():
    @flow
    def logging_flow():
        get_run_logger().info("hello %s", "world")
        get_run_logger().warning("careful")

    with logs() as lines:
        logging_flow()
    return {"lines": lines}


def scenario_task_log_lines():
    @task
    def logging_task():
        get_run_logger().info("from task")

    @flow
    def task_logging_flow():
        logging_task()

    with logs() as lines:
        task_logging_flow()
    return {"lines": lines}


def scenario_failed_flow_log_lines():
    @flow
    def failing_logged():
        raise ValueError("logged failure")

    with logs() as lines:
        failing_logged(return_state=True)
    return {"lines": [ln for ln in lines if "Traceback" not in ln[2]]}


def scenario_log_prints_flow():
    @flow(log_prints=True)
    def printing_flow():
        print("printed line")

    with logs() as lines:
        printing_flow()
    return {"lines": lines}


def scenario_log_prints_task_inherits():
    @task
    def printing_task():
        print("task printed")

    @flow(log_prints=True)
    def printing_parent():
        printing_task()

    with logs() as lines:
        printing_parent()
    return {"lines": [ln for ln in lines if "printed" in ln[2]]}


def scenario_log_prints_task_override_false():
    @task(log_prints=False)
    def quiet_task():
        print("not logged")

    @flow(log_prints=True)
    def override_parent():
        quiet_task()

    with logs() as lines:
        override_parent()
    return {"lines": [ln for ln in lines if "logged" in ln[2]]}


def scenario_get_run_logger_outside_run():
    return {"call": call(get_run_logger)}


def scenario_run_logger_name_and_type():
    @flow
    def logger_type_flow():
        lg = get_run_logger()
        return {"name": lg.name, "type": type(lg).__name__, "extra_keys": sorted(lg.extra)}

    return {"returned": value(logger_type_flow())}


def scenario_task_logger_extra():
    @task
    def task_logger():
        lg = get_run_logger()
        return {"name": lg.name, "extra_keys": sorted(lg.extra)}

    @flow
    def task_logger_flow():
        return task_logger()

    return {"returned": value(task_logger_flow())}


def scenario_runtime_flow_run_fields():
    from prefect import runtime

    @flow(flow_run_name="Rt_Run")
    def runtime_flow(x: int = 3):
        fr = runtime.flow_run
        return {
            "name": fr.name,
            "flow_name": fr.flow_name,
            "parameters": fr.parameters,
            "run_count": fr.run_count,
            "id_type": type(fr.id).__name__,
            "tags": fr.tags,
            "parent_flow_run_id": fr.parent_flow_run_id,
            "root_flow_run_id_type": type(fr.root_flow_run_id).__name__,
        }

    return {"returned": value(runtime_flow())}


def scenario_runtime_outside_run():
    from prefect import runtime

    return {
        "id": value(runtime.flow_run.id),
        "name": value(runtime.flow_run.name),
        "task_id": value(runtime.task_run.id),
        "task_name": value(runtime.task_run.name),
        "parameters": value(runtime.flow_run.parameters),
    }


def scenario_runtime_task_run_fields():
    from prefect import runtime

    @task(task_run_name="Rt_Task", tags=["tt"])
    def runtime_task(y):
        tr = runtime.task_run
        return {
            "name": tr.name,
            "task_name": tr.task_name,
            "parameters": tr.parameters,
            "run_count": tr.run_count,
            "tags": tr.tags,
        }

    @flow
    def runtime_task_flow():
        return runtime_task(5)

    return {"returned": value(runtime_task_flow())}


def scenario_runtime_subflow_parent():
    from prefect import runtime

    @flow
    def rt_child():
        return {
            "parent_set": runtime.flow_run.parent_flow_run_id is not None,
            "root_differs": runtime.flow_run.root_flow_run_id != runtime.flow_run.id,
        }

    @flow
    def rt_parent():
        return rt_child()

    return {"returned": value(rt_parent())}


def scenario_runtime_deployment_outside():
    from prefect import runtime

    return {
        "id": value(runtime.deployment.id),
        "name": value(runtime.deployment.name),
        "parameters": value(runtime.deployment.parameters),
    }


def scenario_flow_run_context():
    @flow
    def ctx_flow():
        ctx = FlowRunContext.get()
        rc = get_run_context()
        return {
            "type": type(ctx).__name__,
            "run_ctx_type": type(rc).__name__,
            "flow_name": ctx.flow.name,
            "flow_run_name_set": bool(ctx.flow_run.name),
        }

    return {"returned": value(ctx_flow())}


def scenario_task_run_context():
    @task
    def ctx_task():
        ctx = TaskRunContext.get()
        return {
            "type": type(ctx).__name__,
            "task_name": ctx.task.name,
            "run_type": type(ctx.task_run).__name__,
            "parameters": ctx.parameters,
        }

    @flow
    def ctx_task_flow():
        return ctx_task()

    return {"returned": value(ctx_task_flow())}


def scenario_context_outside_run():
    return {
        "flow": value(FlowRunContext.get()),
        "task": value(TaskRunContext.get()),
        "get_run_context": call(get_run_context),
        "missing": exc(MissingContextError("x")),
    }


def scenario_tags_context_current():
    from prefect import tags
    from prefect.context import TagsContext

    with tags("a"):
        with tags("b"):
            inner = sorted(TagsContext.get().current_tags)
    return {"inner": inner, "after": sorted(TagsContext.get().current_tags)}


def scenario_user_logger_in_flow_not_captured():
    @flow
    def user_logger_flow():
        logging.getLogger("my.app").warning("user logger")
        return 1

    with logs(names=("my.app",)) as lines:
        user_logger_flow()
    return {"lines": lines}


def scenario_disable_run_logger():
    from prefect.logging import disable_run_logger

    @task
    def quiet():
        get_run_logger().info("should still be callable")
        return 1

    with disable_run_logger():
        r = quiet.fn()
    return {"r": r}


def scenario_get_logger():
    from prefect.logging import get_logger

    lg = get_logger("thing")
    return {"name": lg.name, "root": get_logger().name}


def scenario_task_run_logger_outside_flow_task():
    @task
    def lone_logger():
        get_run_logger().info("lone task log")
        return 1

    with logs() as lines:
        lone_logger()
    return {"lines": lines}
