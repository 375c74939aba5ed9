"""The coodie models: everything JIRA-TRON writes at 10 million writes/second lives in ScyllaDB.

Django's own tables (sessions, auth, content types) stay in SQLite through the Django
ORM; these three tables are coodie's. They never pin a keyspace: coodie's driver picks
it (``taskboard`` for ``make run``, a fresh one per test).

* ``Task`` — one row per task, all tasks of a board in one partition (the board is
  one read). Every write to it is a lightweight transaction (``IF NOT EXISTS`` /
  ``IF status = ?``), so a move is applied once and the counters below stay exact.
* ``TaskEvent`` — the append-only activity log: newest first in the board's partition.
* ``TaskCounter`` — a ``counter`` column per (board, status), moved with
  ``increment()``/``decrement()``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID, uuid4

from coodie.fields import ClusteringKey, Counter, PrimaryKey
from coodie.sync.document import CounterDocument, Document
from pydantic import Field

BOARD = "hivemind"


class Task(Document):
    board: Annotated[str, PrimaryKey()] = BOARD
    id: Annotated[UUID, ClusteringKey()] = Field(default_factory=uuid4)
    title: str
    description: str = ""
    status: str = "todo"
    assignee: str = ""
    priority: str = "medium"
    sprint: int = 1
    created_at: datetime
    updated_at: datetime

    class Settings:
        name = "tasks"


class TaskEvent(Document):
    board: Annotated[str, PrimaryKey()] = BOARD
    at: Annotated[datetime, ClusteringKey(order="DESC")]
    id: Annotated[UUID, ClusteringKey(clustering_key_index=1)] = Field(default_factory=uuid4)
    task_id: UUID
    kind: str  # created | moved | edited | deleted
    title: str
    from_status: str = ""
    to_status: str = ""
    actor: str = ""

    class Settings:
        name = "task_events"


class TaskCounter(CounterDocument):
    board: Annotated[str, PrimaryKey()] = BOARD
    status: Annotated[str, ClusteringKey()]
    tasks: Annotated[int, Counter()] = 0

    class Settings:
        name = "task_counters"


MODELS: tuple[type[Document], ...] = (Task, TaskEvent, TaskCounter)
