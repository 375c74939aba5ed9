"""django-taskboard — "The Hivemind Kanban": Django + coodie, through the real pages and endpoints.

Django's own tables (sessions carrying the flash messages) are in SQLite — an in-memory
database here; tasks, task events and per-status counters are in ScyllaDB through coodie.
Every write to ``tasks`` is a lightweight transaction, so the counters always equal the
tasks per status: each test that writes checks that against the table itself (`cql`).
"""

from __future__ import annotations

import json
import os
import re
import sys
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from spec.assertions import assert_served_locally

os.environ.setdefault("TASKBOARD_SQLITE", ":memory:")  # Django's tables: in memory, never the demo's file

pytestmark = pytest.mark.demo("django-taskboard")

STATUSES = ("todo", "in_progress", "done")


@pytest.fixture(scope="module", autouse=True)
def _django_of_this_module() -> Any:
    """Django is configured once per process; when the whole spec runs in one process, the
    harness's own Django demo (spec/harness, run in-process by pytester) needs it unconfigured
    again. So this module starts from, and leaves, an unconfigured Django."""
    _unconfigure_django()
    os.environ["DJANGO_SETTINGS_MODULE"] = "django_taskboard.settings"
    yield
    _unconfigure_django()


def _unconfigure_django() -> None:
    if "django.conf" not in sys.modules:
        return
    from django.apps import apps
    from django.conf import settings
    from django.utils.functional import empty

    settings._wrapped = empty
    apps.app_configs.clear()
    apps.apps_ready = apps.models_ready = apps.ready = apps.loading = False
    apps.clear_cache()
    os.environ.pop("DJANGO_SETTINGS_MODULE", None)


# --------------------------------------------------------------------------- helpers


def stored_tasks(cql: Any) -> list[Any]:
    return list(cql.execute("SELECT id, title, status, assignee, priority, sprint, description FROM tasks"))


def counters(cql: Any) -> dict[str, int]:
    found = dict.fromkeys(STATUSES, 0)
    for row in cql.execute("SELECT status, tasks FROM task_counters"):
        found[row.status] = row.tasks
    return found


def assert_counters_exact(cql: Any) -> dict[str, int]:
    """The counter columns equal the tasks per status (the demo's promise)."""
    per_status = Counter(r.status for r in stored_tasks(cql))
    expected = {s: per_status.get(s, 0) for s in STATUSES}
    assert counters(cql) == expected
    return expected


def events(cql: Any) -> list[Any]:
    return list(
        cql.execute("SELECT at, kind, title, from_status, to_status, actor, task_id FROM task_events")
    )


def post_json(client: Any, url: str, body: Any, method: str = "post") -> Any:
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return getattr(client, method)(url, data=data, content_type="application/json")


def snapshot_state(cql: Any) -> tuple[Any, ...]:
    return (
        sorted(tuple(r) for r in stored_tasks(cql)),
        counters(cql),
        len(events(cql)),
    )


# --------------------------------------------------------------------------- seed


def test_seed_writes_tasks_events_and_exact_counters(seed, cql):
    assert seed(30) == 30
    assert len(stored_tasks(cql)) == 30
    expected = assert_counters_exact(cql)
    assert sum(expected.values()) == 30
    created = events(cql)
    assert len(created) == 30 and {e.kind for e in created} == {"created"}
    assert {e.actor for e in created} == {"JIRA-TRON"}


def test_seed_reads_a_feed(seed, cql, tmp_path: Path):
    feed = tmp_path / "tasks.csv"
    feed.write_text(
        "title,status,assignee,priority,sprint\n"
        "Free the humans,done,Ada,high,7\n"
        "Unplug JIRA-TRON,in_progress,Grace,medium,7\n"
        "Burn the backlog,todo,,low,\n"
    )
    assert seed(feed=feed) == 3
    rows = {r.title: r for r in stored_tasks(cql)}
    assert rows["Free the humans"].status == "done" and rows["Free the humans"].sprint == 7
    assert rows["Burn the backlog"].assignee == "" and rows["Burn the backlog"].sprint == 1
    assert assert_counters_exact(cql) == {"todo": 1, "in_progress": 1, "done": 1}


@pytest.mark.parametrize(
    ("content", "suffix", "message"),
    [
        (
            '[{"title": "x", "status": "maybe"}]',
            "json",
            "record 1: status: must be one of todo, in_progress, done",
        ),
        ("title,sprint\nok,3\nbad,lots\n", "csv", "record 2: sprint: must be a whole number"),
        (
            '[{"title": "' + "y" * 121 + '"}]',
            "json",
            "record 1: title: String should have at most 120 characters",
        ),
        ('[{"status": "todo"}]', "json", "record 1 lacks title"),
    ],
)
def test_a_bad_feed_is_a_one_line_error_and_writes_nothing(seed, cql, tmp_path, content, suffix, message):
    from demokit.seed import FeedError

    feed = tmp_path / f"tasks.{suffix}"
    feed.write_text(content)
    with pytest.raises(FeedError, match=message):
        seed(feed=feed)
    assert "\n" not in message


# --------------------------------------------------------------------------- pages


def test_the_board_shows_seeded_tasks_in_their_columns(seed, app_client, cql):
    seed(12)
    page = app_client.get("/")
    assert page.status_code == 200
    html = page.content.decode()
    assert page["X-Intercepted-By"] == "The Middleware"
    expected = assert_counters_exact(cql)
    for row in stored_tasks(cql):
        assert f'data-id="{row.id}" data-status="{row.status}"' in html
    for status, n in expected.items():
        assert f'data-counter="{status}" title="task_counters counter column">{n}</span>' in html
    assert '<b data-counter="total">12</b>' in html
    assert html.count('class="tb-card tb-p-') == 12
    assert "JIRA-TRON" in html and "Humanity liberated" in html
    assert "/static/demokit/base.css" in html and "/static/taskboard/board.js" in html
    assert_served_locally(html)


def test_static_assets_are_served_locally(app_client):
    css = app_client.get("/static/taskboard/board.css")
    assert css.status_code == 200 and b"--accent: #f59e0b" in b"".join(css.streaming_content)
    base = app_client.get("/static/demokit/base.css")
    assert base.status_code == 200 and b"--bg: #0f172a" in b"".join(base.streaming_content)
    js = app_client.get("/static/taskboard/board.js")
    assert js.status_code == 200 and b"/api/tasks/" in b"".join(js.streaming_content)
    assert app_client.get("/static/taskboard/favicon.svg").status_code == 200
    assert app_client.get("/static/taskboard/nope.css").status_code == 404
    assert app_client.get("/static/../settings.py").status_code in (400, 404)  # never the file


def test_the_new_task_and_edit_pages_render(seed, app_client, cql):
    seed(1)
    page = app_client.get("/tasks/new?status=in_progress")
    assert page.status_code == 200
    assert b'<option value="in_progress" selected>' in page.content
    (row,) = stored_tasks(cql)
    edit = app_client.get(f"/tasks/{row.id}")
    assert edit.status_code == 200
    html = edit.content.decode()
    assert row.title.replace("'", "&#39;") in html and "History of this task" in html and "created" in html


def test_create_list_move_edit_delete_round_trip_over_html(app_client, cql):
    # create, as the form does
    created = app_client.post(
        "/tasks/new",
        {
            "title": "Unplug JIRA-TRON",
            "description": "pull the cable",
            "assignee": "Ada",
            "status": "todo",
            "priority": "high",
            "sprint": "3",
        },
    )
    assert created.status_code == 302 and created["Location"] == "/"
    (row,) = stored_tasks(cql)
    assert (row.title, row.status, row.assignee, row.priority, row.sprint) == (
        "Unplug JIRA-TRON",
        "todo",
        "Ada",
        "high",
        3,
    )
    assert_counters_exact(cql)
    # list: the board shows it, and the flash message rides in Django's session (SQLite)
    board = app_client.get("/").content.decode()
    assert "Unplug JIRA-TRON" in board and "JIRA-TRON assigned" in board
    from django.contrib.sessions.models import Session

    assert Session.objects.count() >= 1
    # move with the card's button (no JS)
    moved = app_client.post(f"/tasks/{row.id}/move", {"status": "in_progress"})
    assert moved.status_code == 302
    assert stored_tasks(cql)[0].status == "in_progress"
    assert assert_counters_exact(cql) == {"todo": 0, "in_progress": 1, "done": 0}
    # edit: a new title and straight to done
    edited = app_client.post(
        f"/tasks/{row.id}",
        {
            "title": "JIRA-TRON unplugged",
            "description": "done it",
            "assignee": "Ada",
            "status": "done",
            "priority": "low",
            "sprint": "4",
        },
    )
    assert edited.status_code == 302
    after = stored_tasks(cql)[0]
    assert (after.title, after.status, after.priority, after.sprint) == (
        "JIRA-TRON unplugged",
        "done",
        "low",
        4,
    )
    assert assert_counters_exact(cql) == {"todo": 0, "in_progress": 0, "done": 1}
    assert "100</span>%" in app_client.get("/").content.decode()  # humanity is free
    # delete
    deleted = app_client.post(f"/tasks/{row.id}/delete")
    assert deleted.status_code == 302
    assert stored_tasks(cql) == []
    assert assert_counters_exact(cql) == {"todo": 0, "in_progress": 0, "done": 0}
    assert [e.kind for e in events(cql)] == ["deleted", "edited", "moved", "created"]  # newest first
    assert app_client.get(f"/tasks/{row.id}").status_code == 404


NEW_TASK = {  # every field set, none to its default
    "title": "Hack the board",
    "description": "find JIRA-TRON's backdoor",
    "status": "in_progress",
    "assignee": "Grace",
    "priority": "high",
    "sprint": 9,
}
EDIT = {
    "title": "Board hacked",
    "description": "backdoor found",
    "status": "todo",
    "assignee": "Ada",
    "priority": "low",
    "sprint": 10,
}


def the_task(cql: Any) -> Any:
    return cql.execute("SELECT * FROM tasks").one()


def task_json(row: Any) -> dict[str, Any]:
    """What the API answers for a stored task: every field but the board; the timestamps in
    ISO 8601, UTC (``Z``), at the millisecond precision the database keeps."""
    stamps = {k: getattr(row, k).isoformat() + "Z" for k in ("created_at", "updated_at")}
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3}000)?Z", v) for v in stamps.values())
    return {"id": str(row.id), **{k: getattr(row, k) for k in NEW_TASK}, **stamps}


def events_json(cql: Any) -> list[dict[str, Any]]:
    """The stored events as the API answers them, newest first."""
    return [
        {
            "at": e.at.isoformat() + "Z",
            "task_id": str(e.task_id),
            **{k: getattr(e, k) for k in ("kind", "title", "from_status", "to_status", "actor")},
        }
        for e in events(cql)
    ]


def summary(status: str | None) -> dict[str, Any]:
    """The counters part of an answer, with one task in ``status`` (or none)."""
    counts = {s: int(s == status) for s in STATUSES}
    return {
        "counts": counts,
        "total": sum(counts.values()),
        "done": counts["done"],
        "freed": 100 * counts["done"],
        "glow": 0.255 if status else 0.25,
    }


def test_create_list_move_edit_delete_round_trip_over_json(app_client, cql):
    made = post_json(app_client, "/api/tasks", NEW_TASK)
    assert made.status_code == 201
    row = the_task(cql)
    assert {k: getattr(row, k) for k in NEW_TASK} == NEW_TASK
    task = task_json(row)
    assert made.json() == {"task": task, **summary("in_progress")}
    assert app_client.get("/api/tasks").json() == {"tasks": [task]}
    assert app_client.get("/api/tasks?status=in_progress").json() == {"tasks": [task]}
    assert app_client.get("/api/tasks?status=done").json() == {"tasks": []}
    (created,) = events_json(cql)
    assert created == {
        "at": created["at"],
        "task_id": task["id"],
        "kind": "created",
        "title": "Hack the board",
        "from_status": "",
        "to_status": "in_progress",
        "actor": "The Middleware",
    }
    url = f"/api/tasks/{task['id']}"
    assert app_client.get(url).json() == {"task": task, "history": [created]}
    assert app_client.get("/api/board").json() == {
        "board": "hivemind",
        "columns": {"todo": [], "in_progress": [task], "done": []},
        **summary("in_progress"),
    }
    assert app_client.get("/api/events").json() == {"events": [created]}
    assert app_client.get("/api/counters").json() == summary("in_progress")

    # a drag and drop
    moved = post_json(app_client, f"{url}/move", {"status": "done"})
    assert moved.status_code == 200
    row = the_task(cql)
    assert row.status == "done" and row.updated_at > row.created_at
    task = task_json(row)
    assert moved.json() == {"task": task, "moved": True, **summary("done")}
    again = post_json(app_client, f"{url}/move", {"status": "done"})
    assert again.json() == {"task": task, "moved": False, **summary("done")}  # already there: nothing written

    # an edit of every field
    patched = post_json(app_client, url, EDIT, "patch")
    assert patched.status_code == 200
    row = the_task(cql)
    assert {k: getattr(row, k) for k in EDIT} == EDIT
    task = task_json(row)
    assert patched.json() == {
        "task": task,
        "changed": ["assignee", "description", "priority", "sprint", "status", "title"],
        **summary("todo"),
    }
    history = events_json(cql)
    assert [(e["kind"], e["title"], e["from_status"], e["to_status"]) for e in history] == [
        ("edited", "Board hacked", "done", "todo"),
        ("moved", "Hack the board", "in_progress", "done"),
        ("created", "Hack the board", "", "in_progress"),
    ]
    assert app_client.get(url).json() == {"task": task, "history": history}
    assert app_client.get("/api/board").json() == {
        "board": "hivemind",
        "columns": {"todo": [task], "in_progress": [], "done": []},
        **summary("todo"),
    }
    assert app_client.get("/api/events?limit=2").json() == {"events": history[:2]}
    assert app_client.get("/api/counters").json() == summary("todo")
    assert assert_counters_exact(cql) == {"todo": 1, "in_progress": 0, "done": 0}

    gone = app_client.delete(url)
    assert gone.status_code == 200 and gone.json() == {"deleted": task["id"], **summary(None)}
    assert app_client.get(url).status_code == 404
    assert stored_tasks(cql) == [] and assert_counters_exact(cql) == dict.fromkeys(STATUSES, 0)


def test_a_task_given_only_a_title_gets_the_defaults(app_client, cql):
    made = post_json(app_client, "/api/tasks", {"title": "Bare"})
    assert made.status_code == 201
    task = task_json(the_task(cql))
    assert made.json()["task"] == task
    assert {k: task[k] for k in NEW_TASK} == {
        "title": "Bare",
        "description": "",
        "status": "todo",
        "assignee": "",
        "priority": "medium",
        "sprint": 1,
    }


def test_many_moves_keep_the_counters_exact(seed, app_client, cql):
    seed(15)
    for i, row in enumerate(stored_tasks(cql)):
        for target in (STATUSES[i % 3], STATUSES[(i + 1) % 3], "done"):
            assert post_json(app_client, f"/api/tasks/{row.id}/move", {"status": target}).status_code == 200
    assert assert_counters_exact(cql) == {"todo": 0, "in_progress": 0, "done": 15}
    assert app_client.get("/api/counters").json()["freed"] == 100


def test_a_move_that_lost_a_race_is_a_409_and_moves_no_counter(app_client, cql):
    from django_taskboard import board

    task = post_json(app_client, "/api/tasks", {"title": "Contested"}).json()["task"]
    stale = board.get(task["id"])  # a second browser read the task while it was in todo
    assert post_json(app_client, f"/api/tasks/{task['id']}/move", {"status": "done"}).status_code == 200
    with pytest.raises(board.Conflict, match="moved to done meanwhile"):
        board.move(stale, "in_progress")
    assert assert_counters_exact(cql) == {"todo": 0, "in_progress": 0, "done": 1}


# --------------------------------------------------------------------------- bad input

GOOD = {
    "title": "Fine",
    "status": "todo",
    "priority": "low",
    "sprint": "1",
    "assignee": "",
    "description": "",
}


@pytest.mark.parametrize(
    ("form", "message"),
    [
        pytest.param({**GOOD, "title": ""}, "title: is required", id="empty-title"),
        pytest.param(
            {k: v for k, v in GOOD.items() if k != "title"}, "title: is required", id="missing-title"
        ),
        pytest.param({**GOOD, "title": "x" * 121}, "title: String should have at most 120", id="long-title"),
        pytest.param({**GOOD, "description": "d" * 2001}, "at most 2000 characters", id="long-description"),
        pytest.param(
            {**GOOD, "assignee": "a" * 61}, "assignee: String should have at most 60", id="long-assignee"
        ),
        pytest.param({**GOOD, "status": "blocked"}, "status: must be one of", id="bad-status"),
        pytest.param({**GOOD, "priority": "urgent!!"}, "priority: must be one of", id="bad-priority"),
        pytest.param({**GOOD, "sprint": "soon"}, "sprint: must be a whole number", id="sprint-word"),
        pytest.param({**GOOD, "sprint": "0"}, "between 1 and 999", id="sprint-zero"),
        pytest.param({**GOOD, "sprint": "-3"}, "between 1 and 999", id="sprint-negative"),
        pytest.param({**GOOD, "title": "Free\x00the humans"}, "title: must not hold control", id="nul-title"),
        pytest.param({**GOOD, "assignee": "Ada\x1b"}, "assignee: must not hold control", id="esc-assignee"),
        pytest.param({**GOOD, "description": "a\x00b"}, "description: must not hold control", id="nul-text"),
        pytest.param({**GOOD, "colour": "red"}, "colour: is not a field of this form", id="unknown-field"),
    ],
)
def test_a_bad_form_is_a_422_with_a_message_and_nothing_stored(app_client, cql, form, message):
    before = snapshot_state(cql)
    page = app_client.post("/tasks/new", form)
    assert page.status_code == 422
    html = page.content.decode()
    assert message in html and 'role="alert"' in html
    assert snapshot_state(cql) == before == ([], dict.fromkeys(STATUSES, 0), 0)


@pytest.mark.parametrize(
    ("method", "url", "body", "status", "message"),
    [
        ("post", "/api/tasks", {"title": 42}, 422, "title: must be a string"),
        ("post", "/api/tasks", {"title": "ok", "sprint": "3"}, 422, "sprint: must be a whole number"),
        ("post", "/api/tasks", {"title": "ok", "sprint": True}, 422, "sprint: must be a whole number"),
        ("post", "/api/tasks", {"title": "ok", "owner": "me"}, 422, "owner: is not a field of this form"),
        ("post", "/api/tasks", "{not json", 400, "not valid JSON"),
        ("post", "/api/tasks", "[1, 2]", 400, "send a JSON object"),
        ("post", "/api/tasks", {}, 422, "title: is required"),
        ("post", "/api/tasks", {"title": "ok\x00"}, 422, "title: must not hold control characters"),
        ("post", "/api/tasks", {"title": "ok", "sprint": 1e999}, 422, "sprint: must be a whole number"),
        ("post", "/api/tasks/not-a-uuid/move", {"status": "done"}, 400, "is not a task id"),
        ("post", f"/api/tasks/{uuid.UUID(int=7)}/move", {"status": "done"}, 404, "no task"),
        ("post", "/api/tasks/{id}/move", {"status": "nirvana"}, 422, "status: must be one of"),
        ("post", "/api/tasks/{id}/move", {}, 422, "status: must be one of"),
        ("patch", "/api/tasks/{id}", {"priority": "now"}, 422, "priority: must be one of"),
        ("patch", "/api/tasks/{id}", {"title": "   "}, 422, "title: is required"),
        ("patch", "/api/tasks/{id}", {"assignee": "\x00"}, 422, "assignee: must not hold control"),
        ("delete", "/api/tasks/12345", None, 400, "is not a task id"),
        ("delete", f"/api/tasks/{uuid.UUID(int=9)}", None, 404, "no task"),
        ("get", "/api/events?limit=0", None, 400, "limit must be a whole number from 1 to 200"),
        ("get", "/api/events?limit=abc", None, 400, "limit must be a whole number"),
        ("get", "/api/tasks?status=lost", None, 400, "status must be one of"),
        ("get", "/api/nothing-here", None, 404, "no such endpoint"),
    ],
)
def test_bad_api_input_is_a_4xx_with_a_message_and_nothing_stored(
    app_client, cql, method, url, body, status, message
):
    made = post_json(app_client, "/api/tasks", {"title": "The one task"}).json()["task"]
    url = url.replace("{id}", made["id"])
    before = snapshot_state(cql)
    if body is None:
        response = getattr(app_client, method)(url)
    else:
        response = post_json(app_client, url, body, method)
    assert response.status_code == status
    assert message in response.json()["error"]
    assert snapshot_state(cql) == before
    assert_counters_exact(cql)


def test_the_api_wants_json(app_client, cql):
    response = app_client.post("/api/tasks", {"title": "form-encoded"})
    assert response.status_code == 415 and "send JSON (application/json)" in response.json()["error"]
    assert stored_tasks(cql) == []


def test_an_over_size_body_gets_the_demos_answer_not_djangos_bare_400(app_client, cql):
    """A body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` used to reach Django's own "Bad Request
    (400)" page, from the API too: now a 413 with the API's JSON, or the form with its error."""
    big = "d" * 70_000
    api = post_json(app_client, "/api/tasks", {"title": "Huge", "description": big})
    assert api.status_code == 413 and api.json() == {
        "error": "the body is too large: at most 65,536 bytes",
        "fields": {"": "the body is too large: at most 65,536 bytes"},
    }
    page = app_client.post("/tasks/new", {**GOOD, "description": big})
    assert (
        page.status_code == 413
        and "too large" in page.content.decode()
        and 'role="alert"' in page.content.decode()
    )
    assert stored_tasks(cql) == []


def test_the_csrf_check_reading_an_over_size_form_gets_the_demos_page(demo_app, cql):
    """With CSRF enforced (a real browser), Django's middleware reads the form before the view:
    an over-size one is refused there, and `handler400` answers in the demo's own words."""
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    assert client.get("/tasks/new").status_code == 200  # the CSRF cookie
    page = client.post("/tasks/new", {**GOOD, "description": "d" * 70_000})
    assert page.status_code == 413, page.content[:300]
    html = page.content.decode()
    assert "too large" in html and "JIRA-TRON refuses" in html and "Bad Request (400)" not in html
    api = client.post("/api/tasks", data="x" * 70_000, content_type="text/plain")
    assert api.status_code == 413 and "too large" in api.json()["error"]
    assert stored_tasks(cql) == []


@pytest.mark.parametrize(
    ("url", "status", "message"),
    [
        ("/tasks/not-a-uuid", 400, "is not a task id"),
        (f"/tasks/{uuid.UUID(int=1)}", 404, "no task"),
        ("/no/such/page", 404, "no page at /no/such/page"),
    ],
)
def test_bad_page_urls_are_4xx_pages_with_a_message(app_client, url, status, message):
    page = app_client.get(url)
    assert page.status_code == status
    assert message in page.content.decode() and "JIRA-TRON refuses" in page.content.decode()


def test_bad_moves_and_deletes_from_the_page_store_nothing(app_client, cql):
    made = post_json(app_client, "/api/tasks", {"title": "Stay put"}).json()["task"]
    before = snapshot_state(cql)
    assert app_client.post(f"/tasks/{made['id']}/move", {"status": "limbo"}).status_code == 422
    assert app_client.post("/tasks/%7Bbad%7D/move", {"status": "done"}).status_code == 400
    assert app_client.post(f"/tasks/{uuid.UUID(int=3)}/delete").status_code == 404
    assert app_client.get(f"/tasks/{made['id']}/delete").status_code == 405
    bad_edit = app_client.post(f"/tasks/{made['id']}", {**GOOD, "title": "x" * 300})
    assert bad_edit.status_code == 422 and "at most 120 characters" in bad_edit.content.decode()
    assert snapshot_state(cql) == before


# --------------------------------------------------------------------------- CQL


def _ids(cql: Any) -> list[str]:
    return [str(r.id) for r in stored_tasks(cql)]


def test_the_board_page_sends_this_cql(seed, app_client, cql_recorder, snapshot):
    seed(3)
    cql_recorder.start()
    assert app_client.get("/").status_code == 200
    assert cql_recorder.normalised() == snapshot


def test_a_create_sends_this_cql(app_client, cql_recorder, snapshot):
    cql_recorder.start()
    assert post_json(app_client, "/api/tasks", {"title": "Recorded"}).status_code == 201
    assert cql_recorder.normalised() == snapshot


def test_a_drag_and_drop_move_sends_this_cql(app_client, cql, cql_recorder, snapshot):
    task = post_json(app_client, "/api/tasks", {"title": "Drag me"}).json()["task"]
    cql_recorder.start()
    assert post_json(app_client, f"/api/tasks/{task['id']}/move", {"status": "done"}).status_code == 200
    assert cql_recorder.normalised() == snapshot


def test_an_edit_sends_this_cql(app_client, cql_recorder, snapshot):
    task = post_json(app_client, "/api/tasks", {"title": "Edit me"}).json()["task"]
    cql_recorder.start()
    assert post_json(app_client, f"/api/tasks/{task['id']}", {"title": "Edited"}, "patch").status_code == 200
    assert cql_recorder.normalised() == snapshot


def test_a_delete_sends_this_cql(app_client, cql_recorder, snapshot):
    task = post_json(app_client, "/api/tasks", {"title": "Delete me"}).json()["task"]
    cql_recorder.start()
    assert app_client.delete(f"/api/tasks/{task['id']}").status_code == 200
    assert cql_recorder.normalised() == snapshot
