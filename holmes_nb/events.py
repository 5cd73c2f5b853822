"""Events the agent loop yields as an investigation progresses.

The CLI prints them to stderr, the notebook renders them live; neither changes the loop.

    for event in agent.iter_run("what pods are failing?"):
        print(event)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Event:
    step: int


@dataclass
class StepStarted(Event):
    max_steps: int
    prompt_tokens: int  # our estimate of this request
    tools_offered: bool


@dataclass
class ModelReplied(Event):
    prompt_tokens: int
    completion_tokens: int
    duration_s: float
    tool_calls: int
    cost: float = 0.0


@dataclass
class TextDelta(Event):
    """A piece of the model's reply text as it streams in (raw: not yet scrubbed or restored)."""

    text: str


@dataclass
class ToolCallStarted(Event):
    call_id: str
    tool: str
    arguments: dict[str, Any] = field(default_factory=dict)


@dataclass
class ToolCallFinished(Event):
    call_id: str
    tool: str
    arguments: dict[str, Any]
    status: str  # ok | error | refused | unknown_tool
    duration_ms: float
    tokens: int
    summary: str  # first line of what the model read
    record: Any = None  # the ToolCallRecord (with the DataFrame) for rich views


@dataclass
class Notice(Event):
    message: str


@dataclass
class Answered(Event):
    answer: str


@dataclass
class Failed(Event):
    error: str
