"""State hooks on flows and tasks, both as arguments and as decorators."""

from observe import call, state
from prefect import flow, task


def scenario_flow_on_completion():
    seen = []

    def hook(flow, flow_run, state):
        seen.append(["completion", state.name, type(flow).__name__, type(flow_run).__name__])

    @flow(on_completion=[hook])
    def hooked_flow():
        return 1

    hooked_flow()
    return {"seen": seen}


def scenario_flow_on_failure():
    seen = []

    @flow(on_failure=[lambda f, r, s: seen.append(["failure", s.name, s.message])])
    def failing_hooked():
        raise ValueError("x")

    failing_hooked(return_state=True)
    return {"seen": seen}


def scenario_flow_on_running():
    seen = []

    @flow(on_running=[lambda f, r, s: seen.append(["running", s.name])])
    def running_hooked():
        seen.append(["body"])

    running_hooked()
    return {"seen": seen}


def scenario_flow_hook_decorator_forms():
    seen = []

    @flow
    def deco_hooked():
        return 1

    @deco_hooked.on_completion
    def on_done(f, r, s):
        seen.append(["completion", s.name])

    @deco_hooked.on_running
    def on_run(f, r, s):
        seen.append(["running", s.name])

    deco_hooked()
    return {"seen": seen}


def scenario_task_on_completion_and_failure():
    seen = []

    @task(
        on_completion=[
            lambda t, r, s: seen.append(["completion", s.name, type(t).__name__, type(r).__name__])
        ],
        on_failure=[lambda t, r, s: seen.append(["failure", s.name])],
    )
    def hooked_task(fail):
        if fail:
            raise ValueError("f")

    @flow
    def task_hook_flow():
        hooked_task(False)
        hooked_task(True, return_state=True)

    task_hook_flow()
    return {"seen": seen}


def scenario_task_on_running():
    seen = []

    @task(on_running=[lambda t, r, s: seen.append(["running", s.name])])
    def run_hooked_task():
        seen.append(["body"])

    @flow
    def task_running_flow():
        run_hooked_task()

    task_running_flow()
    return {"seen": seen}


def scenario_task_hook_decorator_forms():
    seen = []

    @task
    def deco_task():
        return 1

    @deco_task.on_completion
    def c(t, r, s):
        seen.append(["completion", s.name])

    @deco_task.on_running
    def rr(t, r, s):
        seen.append(["running", s.name])

    @deco_task.on_failure
    def ff(t, r, s):
        seen.append(["failure", s.name])

    @flow
    def deco_task_flow():
        deco_task()

    deco_task_flow()
    return {"seen": seen}


def scenario_hook_exception_does_not_fail_run():
    def bad_hook(f, r, s):
        raise RuntimeError("hook broke")

    @flow(on_completion=[bad_hook])
    def bad_hook_flow():
        return 5

    s = bad_hook_flow(return_state=True)
    return {"state": state(s)}


def scenario_task_retry_hooks_order():
    seen = []
    attempts = []

    @task(
        retries=1,
        on_failure=[lambda t, r, s: seen.append(["failure", s.name])],
        on_completion=[lambda t, r, s: seen.append(["completion", s.name])],
    )
    def retry_hooked():
        attempts.append(1)
        if len(attempts) == 1:
            raise ValueError("first")
        return 1

    @flow
    def retry_hook_flow():
        retry_hooked()

    retry_hook_flow()
    return {"seen": seen}


def scenario_flow_hook_non_list_error():
    def h(f, r, s):
        pass

    return {"call": call(lambda: flow(on_completion=h)(lambda: 1))}


def scenario_flow_on_cancellation_and_crashed_attrs():
    @flow
    def attrs_flow():
        return 1

    return {
        "has": [
            hasattr(attrs_flow, n)
            for n in ("on_completion", "on_failure", "on_cancellation", "on_crashed", "on_running")
        ]
    }


def scenario_task_hook_attrs():
    @task
    def attrs_task():
        return 1

    return {
        "has": [
            hasattr(attrs_task, n)
            for n in ("on_completion", "on_failure", "on_running", "on_commit", "on_rollback")
        ]
    }
