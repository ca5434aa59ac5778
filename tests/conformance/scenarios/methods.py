"""Flows and tasks defined in a class body: instance methods, classmethods, staticmethods."""

from observe import call, flow_run_of, value
from prefect import flow, task


class Pipeline:
    factor = 10

    def __init__(self, offset):
        self.offset = offset

    @task
    def shift(self, x):
        return x + self.offset

    @flow
    def run(self, x):
        return self.shift(x) * 2

    @flow
    @classmethod
    def scaled(cls, y):
        return cls.factor * y

    @flow
    @staticmethod
    def doubled(z):
        return z * 2

    @task
    @staticmethod
    def plain_task(z):
        return z + 1


def scenario_flow_and_task_as_instance_methods():
    p = Pipeline(3)
    s = p.run(4, return_state=True)
    return {"result": value(s.result()), "run": flow_run_of(s, tasks=1)}


def scenario_flow_as_classmethod_and_staticmethod():
    scaled = Pipeline.scaled(2, return_state=True)
    doubled = Pipeline.doubled(5, return_state=True)
    return {
        "scaled": value(scaled.result()),
        "scaled_run": flow_run_of(scaled),
        "doubled": value(doubled.result()),
        "doubled_run": flow_run_of(doubled),
    }


def scenario_staticmethod_flow_called_through_an_instance():
    return call(Pipeline(0).doubled, 5)


def scenario_method_kind_flags():
    p = Pipeline(1)
    return {
        "flow_on_instance": [p.run.ismethod, p.run.isclassmethod, p.run.isstaticmethod],
        "flow_on_class": [Pipeline.run.ismethod, Pipeline.run.isclassmethod],
        "classmethod": [Pipeline.scaled.ismethod, Pipeline.scaled.isclassmethod],
        "staticmethod": [Pipeline.doubled.ismethod, Pipeline.doubled.isstaticmethod],
        "task_on_instance": [p.shift.ismethod, p.shift.isclassmethod, p.shift.isstaticmethod],
        "task_staticmethod": [p.plain_task.ismethod, p.plain_task.isstaticmethod],
    }
