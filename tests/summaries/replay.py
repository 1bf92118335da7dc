"""A small Durable host for tests: it runs an orchestrator through the azure-functions-durable
library's own replay engine (`Orchestrator.handle` over a history), the way the extension does.

Each round replays the whole history from the start; every task the orchestrator has scheduled but
not yet seen completed is then carried out (an activity is run, a retry timer fires) and its events
(TaskScheduled + TaskCompleted/TaskFailed, TimerCreated + TimerFired) are appended, until the
orchestration returns or fails.
"""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from azure.durable_functions.models import DurableOrchestrationContext
from azure.durable_functions.models.history import HistoryEventType as E
from azure.durable_functions.orchestrator import Orchestrator


@dataclass
class Replay:
    output: Any = None
    error: str | None = None
    calls: list[tuple[str, Any]] = field(default_factory=list)  # every activity execution, in order
    rounds: int = 0
    history: list[dict] = field(default_factory=list)
    max_parallel: int = 0  # the most activities scheduled in one round (the fan-out)


def run_orchestration(orchestrator: Callable, job: Any, activities: dict[str, Callable[[str], Any]],
                      instance_id: str = "test-instance", max_rounds: int = 100) -> Replay:
    fn = getattr(orchestrator, "orchestrator_function", orchestrator)
    clock = [dt.datetime(2026, 11, 1, 2, 0, tzinfo=dt.timezone.utc)]

    def event(kind: E, **fields: Any) -> dict:
        clock[0] += dt.timedelta(milliseconds=10)
        return {"EventType": kind, "EventId": fields.pop("EventId", -1), "IsPlayed": False,
                "Timestamp": clock[0].isoformat(), **fields}

    result = Replay()
    history = [event(E.ORCHESTRATOR_STARTED),
               event(E.EXECUTION_STARTED, Name="orchestrator", Input=json.dumps(job), Version="")]
    done: set[int] = set()
    for result.rounds in range(1, max_rounds + 1):
        ctx = DurableOrchestrationContext(history=history, instanceId=instance_id, isReplaying=False,
                                          parentInstanceId=None, input=json.dumps(job))
        try:
            state = json.loads(Orchestrator(fn).handle(ctx))
        except Exception as exc:  # the orchestrator raised: the orchestration failed
            result.error, result.history = str(exc), history
            return result
        if state.get("isDone"):
            result.output, result.history = state.get("output"), history
            return result
        new = [event(E.ORCHESTRATOR_STARTED)]
        activities_this_round = 0
        for task_id, task in sorted(ctx.open_tasks.items(), key=lambda kv: kv[0]):
            if task_id in done:
                continue
            done.add(task_id)
            action = _action(task)
            if getattr(action, "metadata", None) == "rescheduled task":  # a retried activity's next attempt
                action = _action(task.parent.children[0])
            name = getattr(action, "function_name", None)
            if name is None:  # the timer between two attempts of a retried activity
                new.append(event(E.TIMER_CREATED, EventId=task_id))
                new.append(event(E.TIMER_FIRED, TimerId=task_id, FireAt=clock[0].isoformat()))
                continue
            activities_this_round += 1
            new.append(event(E.TASK_SCHEDULED, EventId=task_id, Name=name, Input=action.input_))
            result.calls.append((name, json.loads(action.input_)))
            try:
                value = activities[name](action.input_)
            except Exception as exc:
                new.append(event(E.TASK_FAILED, TaskScheduledId=task_id, Reason=str(exc),
                                 Details=type(exc).__name__))
            else:
                new.append(event(E.TASK_COMPLETED, TaskScheduledId=task_id, Result=json.dumps(value)))
        result.max_parallel = max(result.max_parallel, activities_this_round)
        history = history + new
    raise AssertionError(f"the orchestration did not finish in {max_rounds} rounds")


def _action(task):
    return task.action_repr[0] if isinstance(task.action_repr, list) else task.action_repr
