"""What JIRA-TRON's board does, independent of HTTP: validate, create, move, edit, delete.

Every write to ``tasks`` is a lightweight transaction, so a change happens once even when
two browsers race, and only then do the counters move and the event get written:

* create — ``INSERT … IF NOT EXISTS``; ``+1`` on the status counter; a ``created`` event;
* move   — ``UPDATE … SET status = ? IF status = ?``; ``-1`` old, ``+1`` new; a ``moved`` event;
* edit   — the same conditional ``UPDATE`` with the other fields;
* delete — ``DELETE … IF status = ?``; ``-1``; a ``deleted`` event.

What may be written is checked first, by the bodies `TaskIn` (a new task, or the page's
form), `TaskPatch` (the API's edit) and `MoveIn` — read by `demokit.bodies`, so bad input
never reaches the database.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import Field, ValidationError

from demokit.bodies import Body, Lines, refusal
from demokit.documents import to_json
from django_taskboard.cassandra_models import BOARD, Task, TaskCounter, TaskEvent

STATUSES = ("todo", "in_progress", "done")
LABELS = {"todo": "To-Do", "in_progress": "In Progress", "done": "Done"}
PRIORITIES = ("low", "medium", "high")
FIELDS = ("title", "description", "status", "assignee", "priority", "sprint")
LIMITS = {"title": 120, "description": 2000, "assignee": 60}
MAX_SPRINT = 999
WEB_ACTOR = "The Middleware"


class BoardError(Exception):
    """Bad input or a missing task: ``status`` is the HTTP status, ``fields`` the per-field errors."""

    status = 400

    def __init__(self, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class NotFound(BoardError):
    status = 404


class Conflict(BoardError):
    status = 409


_clock_lock = threading.Lock()
_last_now = datetime.min.replace(tzinfo=UTC)


def now() -> datetime:
    """UTC now at millisecond precision (what a CQL ``timestamp`` keeps), strictly increasing in
    this process, so two events never share a clustering time and the feed order is exact."""
    global _last_now
    t = datetime.now(UTC)
    t = t.replace(microsecond=t.microsecond // 1000 * 1000)
    with _clock_lock:
        if t <= _last_now:
            t = _last_now + timedelta(milliseconds=1)
        _last_now = t
    return t


# --------------------------------------------------------------------------- what a body may hold

Status = Literal["todo", "in_progress", "done"]
Priority = Literal["low", "medium", "high"]
Title = Annotated[str, Field(min_length=1, max_length=LIMITS["title"])]
Description = Annotated[Lines, Field(max_length=LIMITS["description"])]
Assignee = Annotated[str, Field(max_length=LIMITS["assignee"])]
Sprint = Annotated[int, Field(ge=1, le=MAX_SPRINT)]
WHOLE = "must be a whole number"
HINTS = {
    "title.missing": "is required",
    "title.string_too_short": "is required",
    "status.missing": f"must be one of {', '.join(STATUSES)}",
    "status.literal_error": f"must be one of {', '.join(STATUSES)}",
    "priority.literal_error": f"must be one of {', '.join(PRIORITIES)}",
    "sprint.int_type": WHOLE,
    "sprint.int_parsing": WHOLE,
    "sprint.int_from_float": WHOLE,
    "sprint.greater_than_equal": f"must be between 1 and {MAX_SPRINT}",
    "sprint.less_than_equal": f"must be between 1 and {MAX_SPRINT}",
    "string_type": "must be a string",
}


class TaskIn(Body):
    """A whole task: what a new one (or the page's edit form) sends; the rest takes its default."""

    hints = HINTS

    title: Title
    description: Description = ""
    status: Status = "todo"
    assignee: Assignee = ""
    priority: Priority = "medium"
    sprint: Sprint = 1


class TaskPatch(Body):
    """An edit through the API: only the fields given change."""

    hints = HINTS

    title: Title | None = None
    description: Description | None = None
    status: Status | None = None
    assignee: Assignee | None = None
    priority: Priority | None = None
    sprint: Sprint | None = None

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True, exclude_none=True)


class MoveIn(Body):
    """What a drag and drop (or a move button) sends: ``{"status": "done"}``."""

    hints = HINTS

    status: Status


def feed_task(record: Mapping[str, Any]) -> dict[str, Any]:
    """A feed record (a CSV's text) checked like the web form; `BoardError` names the problem."""
    try:
        return TaskIn.model_validate(record, strict=False).model_dump()
    except ValidationError as exc:
        refused = refusal(TaskIn, exc)
        raise BoardError(str(refused), refused.fields) from None


def parse_id(task_id: str) -> UUID:
    try:
        return UUID(str(task_id))
    except ValueError:
        raise BoardError(f"{str(task_id)[:40]!r} is not a task id (a UUID)") from None


# --------------------------------------------------------------------------- reads


def tasks() -> list[Task]:
    """Every task of the board (one partition), oldest first."""
    found: list[Task] = Task.find(board=BOARD).all()  # type: ignore[assignment]
    return sorted(found, key=lambda t: (t.created_at, str(t.id)))


def columns(found: list[Task] | None = None) -> dict[str, list[Task]]:
    by_status: dict[str, list[Task]] = {s: [] for s in STATUSES}
    for task in tasks() if found is None else found:
        by_status.setdefault(task.status, []).append(task)
    return by_status


def counters() -> dict[str, int]:
    """The counter column of each status (``SELECT … FROM task_counters WHERE board = ?``)."""
    out = dict.fromkeys(STATUSES, 0)
    for row in TaskCounter.find(board=BOARD).all():
        out[row.status] = int(row.tasks or 0)  # type: ignore[attr-defined]
    return out


def events(limit: int = 12) -> list[TaskEvent]:
    """The newest events first (the clustering order)."""
    return TaskEvent.find(board=BOARD).limit(limit).all()  # type: ignore[return-value]


def history(task_id: UUID, limit: int = 50) -> list[TaskEvent]:
    """One task's events, newest first (a filter inside the board's partition)."""
    found = TaskEvent.find(board=BOARD, task_id=task_id).allow_filtering().limit(limit).all()
    return found  # type: ignore[return-value]


def get(task_id: str) -> Task:
    found = Task.find(board=BOARD, id=parse_id(task_id)).all()
    if not found:
        raise NotFound(f"no task {task_id} on the board (deleted, or never assigned)")
    return found[0]  # type: ignore[return-value]


# --------------------------------------------------------------------------- writes


def _event(task: Task, kind: str, actor: str, before: str = "", after: str = "") -> TaskEvent:
    event = TaskEvent(
        at=now(),
        task_id=task.id,
        kind=kind,
        title=task.title,
        from_status=before,
        to_status=after,
        actor=actor,
    )
    event.save()
    return event


def _counter(status: str) -> TaskCounter:
    return TaskCounter(status=status)


def create(fields: Mapping[str, Any], actor: str = WEB_ACTOR) -> Task:
    stamp = now()
    task = Task(**{**fields, "created_at": stamp, "updated_at": stamp})
    result = task.insert()
    if result is not None and not result.applied:
        raise Conflict("a task with this id already exists")
    _counter(task.status).increment(tasks=1)
    _event(task, "created", actor, after=task.status)
    return task


def _conditional_update(task: Task, changes: dict[str, Any]) -> None:
    before = task.status
    result = task.update(if_conditions={"status": before}, **changes, updated_at=now())
    if result is not None and not result.applied:
        existing = result.existing or {}
        if not existing or existing.get("status") is None:
            raise NotFound(f"task {task.id} was deleted meanwhile")
        raise Conflict(f"task {task.id} was moved to {existing['status']} meanwhile; reload the board")


def move(task: Task, status: str, actor: str = WEB_ACTOR) -> bool:
    """Move ``task`` to ``status``; False (and no write) when it is there already."""
    if status not in STATUSES:
        raise BoardError(f"status must be one of {', '.join(STATUSES)}", {"status": "unknown status"})
    before = task.status
    if status == before:
        return False
    _conditional_update(task, {"status": status})
    _counter(before).decrement(tasks=1)
    _counter(status).increment(tasks=1)
    _event(task, "moved", actor, before, status)
    return True


def edit(task: Task, fields: Mapping[str, Any], actor: str = WEB_ACTOR) -> list[str]:
    """Apply the fields that differ; return their names (empty: nothing written)."""
    changes = {k: v for k, v in fields.items() if getattr(task, k) != v}
    if not changes:
        return []
    before = task.status
    _conditional_update(task, changes)
    after = changes.get("status", before)
    if after != before:
        _counter(before).decrement(tasks=1)
        _counter(after).increment(tasks=1)
    _event(task, "edited", actor, before, after)
    return sorted(changes)


def delete(task: Task, actor: str = WEB_ACTOR) -> None:
    result = task.delete(if_conditions={"status": task.status})
    if result is not None and not result.applied:
        if not result.existing or result.existing.get("status") is None:
            raise NotFound(f"task {task.id} was deleted meanwhile")
        raise Conflict(f"task {task.id} was moved to {result.existing['status']} meanwhile; reload the board")
    _counter(task.status).decrement(tasks=1)
    _event(task, "deleted", actor, task.status, "")


def as_json(task: Task) -> dict[str, Any]:
    """``task`` as JSON values (`demokit.documents.to_json`), without its board."""
    return to_json(task, exclude={"board"})


def event_json(event: TaskEvent) -> dict[str, Any]:
    """``event`` as JSON values, without its board and its own id."""
    return to_json(event, exclude={"board", "id"})
