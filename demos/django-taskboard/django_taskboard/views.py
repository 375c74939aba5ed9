"""Views: the board page, the task pages (create / edit / move / delete) and the JSON API.

Every body is read by `demokit.bodies` (`TaskIn`, `TaskPatch`, `MoveIn`). Bad input never
reaches the database: the page answers 4xx with the form and a red message, the API
``{"error": …, "fields": {…}}``; an unknown task id is a 404, a malformed one a 400, a move
that lost a race a 409. A body Django itself refuses (too big, too many fields) gets the
same answer from `bad_request`, not Django's bare 400 page.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.static import serve

from demokit import theme
from demokit.bodies import FORM, JSON, BadBody, read_django, too_large
from django_taskboard import board
from django_taskboard.board import LABELS, STATUSES, BoardError, MoveIn, TaskIn, TaskPatch

STATIC_DIR = Path(__file__).resolve().parent / "static"
EVENT_LIMIT_MAX = 200


def _summary(counts: dict[str, int]) -> dict[str, Any]:
    total = sum(counts.values())
    done = counts.get("done", 0)
    return {
        "counts": counts,
        "total": total,
        "done": done,
        "freed": round(100 * done / total) if total else 0,
        "glow": min(1.0, 0.25 + total / 200),
    }


def _page(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    return render(request, f"taskboard/{template}", {**context, **_summary(board.counters())}, status=status)


def _error_page(request: HttpRequest, exc: BoardError | BadBody) -> HttpResponse:
    message = exc.message if isinstance(exc, BoardError) else str(exc)
    return _page(request, "error.html", {"error": message}, status=exc.status)


# --------------------------------------------------------------------------- pages


@require_GET
def board_page(request: HttpRequest) -> HttpResponse:
    found = board.tasks()
    return _page(
        request,
        "board.html",
        {"columns": board.columns(found), "events": board.events(12), "task_count": len(found)},
    )


def _task_form(
    request: HttpRequest, task: Any, values: dict[str, Any], error: BoardError | BadBody | None = None
) -> HttpResponse:
    """The task form, filled in with ``values``, and what was wrong with them (each field's too)."""
    context: dict[str, Any] = {"task": task, "values": values, "error": None}
    if error is not None:
        message = error.message if isinstance(error, BoardError) else str(error)
        context["error"] = {"message": message, "fields": error.fields}
    if task is not None:
        context["history"] = board.history(task.id)
    return _page(request, "task_form.html", context, status=error.status if error else 200)


@require_http_methods(["GET", "POST"])
def new_task(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        values = {"status": request.GET.get("status", "todo"), "priority": "medium", "sprint": "1"}
        return _task_form(request, None, values)
    try:
        task = board.create(read_django(request, TaskIn, accept=(FORM,)).model_dump())
    except BadBody as exc:
        return _task_form(request, None, exc.values, exc)
    except BoardError as exc:
        return _task_form(request, None, {}, exc)
    messages.success(request, f"🐝 JIRA-TRON assigned “{task.title}” to {task.assignee or 'a random human'}.")
    return HttpResponseRedirect("/")


@require_http_methods(["GET", "POST"])
def task_page(request: HttpRequest, task_id: str) -> HttpResponse:
    try:
        task = board.get(task_id)
    except BoardError as exc:
        return _error_page(request, exc)
    if request.method == "GET":
        return _task_form(request, task, board.as_json(task))
    try:
        changed = board.edit(task, read_django(request, TaskIn, accept=(FORM,)).model_dump())
    except BadBody as exc:
        return _task_form(request, task, exc.values, exc)
    except BoardError as exc:
        return _task_form(request, task, board.as_json(task), exc)
    note = ", ".join(changed) if changed else "nothing changed"
    messages.success(request, f"🦎 The Middleware rewrote “{task.title}” ({note}).")
    return HttpResponseRedirect("/")


@require_POST
def move_task(request: HttpRequest, task_id: str) -> HttpResponse:
    try:
        task = board.get(task_id)
        target = read_django(request, MoveIn, accept=(FORM,)).status
        moved = board.move(task, target)
    except (BoardError, BadBody) as exc:
        return _error_page(request, exc)
    if moved:
        messages.success(request, f"“{task.title}” moved to {LABELS[target]}.")
    return HttpResponseRedirect("/")


@require_POST
def delete_task(request: HttpRequest, task_id: str) -> HttpResponse:
    try:
        task = board.get(task_id)
        board.delete(task)
    except BoardError as exc:
        return _error_page(request, exc)
    messages.success(request, f"🗑 “{task.title}” erased from the Hivemind.")
    return HttpResponseRedirect("/")


def static(request: HttpRequest, path: str) -> HttpResponse:
    """The demo's assets and demokit's shared theme, served by the app itself (no CDN)."""
    root = theme.static_dir() if path.startswith("demokit/") else STATIC_DIR
    return serve(request, path, document_root=str(root))


# --------------------------------------------------------------------------- JSON API


def _json_error(exc: BoardError | BadBody) -> JsonResponse:
    if isinstance(exc, BadBody):
        return JsonResponse({"error": str(exc), "fields": exc.fields}, status=exc.status)
    return JsonResponse({"error": exc.message, "fields": exc.fields}, status=exc.status)


def _board_json() -> dict[str, Any]:
    found = board.tasks()
    return {
        "board": board.BOARD,
        "columns": {s: [board.as_json(t) for t in ts] for s, ts in board.columns(found).items()},
        **_summary(board.counters()),
    }


@require_GET
def api_board(request: HttpRequest) -> JsonResponse:
    return JsonResponse(_board_json())


@require_GET
def api_counters(request: HttpRequest) -> JsonResponse:
    return JsonResponse(_summary(board.counters()))


@require_GET
def api_events(request: HttpRequest) -> JsonResponse:
    raw = request.GET.get("limit", "20")
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= EVENT_LIMIT_MAX:
        return JsonResponse(
            {"error": f"limit must be a whole number from 1 to {EVENT_LIMIT_MAX}"}, status=400
        )
    return JsonResponse({"events": [board.event_json(e) for e in board.events(int(raw))]})


@csrf_exempt
@require_http_methods(["GET", "POST"])
def api_tasks(request: HttpRequest) -> JsonResponse:
    if request.method == "GET":
        status = request.GET.get("status")
        if status is not None and status not in STATUSES:
            return JsonResponse({"error": f"status must be one of {', '.join(STATUSES)}"}, status=400)
        found = [t for t in board.tasks() if status is None or t.status == status]
        return JsonResponse({"tasks": [board.as_json(t) for t in found]})
    try:
        task = board.create(read_django(request, TaskIn, accept=(JSON,)).model_dump())
    except (BoardError, BadBody) as exc:
        return _json_error(exc)
    return JsonResponse({"task": board.as_json(task), **_summary(board.counters())}, status=201)


@csrf_exempt
@require_http_methods(["GET", "PATCH", "DELETE"])
def api_task(request: HttpRequest, task_id: str) -> JsonResponse:
    try:
        task = board.get(task_id)
        if request.method == "GET":
            return JsonResponse(
                {
                    "task": board.as_json(task),
                    "history": [board.event_json(e) for e in board.history(task.id)],
                }
            )
        if request.method == "DELETE":
            board.delete(task)
            return JsonResponse({"deleted": str(task.id), **_summary(board.counters())})
        changed = board.edit(task, read_django(request, TaskPatch, accept=(JSON,)).changes())
    except (BoardError, BadBody) as exc:
        return _json_error(exc)
    return JsonResponse({"task": board.as_json(task), "changed": changed, **_summary(board.counters())})


@csrf_exempt
@require_POST
def api_move(request: HttpRequest, task_id: str) -> JsonResponse:
    """What a drag and drop sends: ``{"status": "done"}``."""
    try:
        status = read_django(request, MoveIn, accept=(JSON,)).status
        task = board.get(task_id)
        moved = board.move(task, status)
    except (BoardError, BadBody) as exc:
        return _json_error(exc)
    return JsonResponse({"task": board.as_json(task), "moved": moved, **_summary(board.counters())})


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """What Django refuses before a view runs — a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE``
    (read by the CSRF check), too many fields — answered like any bad input: JSON or a page."""
    if isinstance(exception, RequestDataTooBig):
        refused = too_large(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    else:
        refused = BadBody.one(400, "bad_request", "the request was refused: it is malformed or too large")
    if request.path.startswith("/api/"):
        return _json_error(refused)
    return _page(request, "error.html", {"error": str(refused)}, status=refused.status)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"error": f"no such endpoint: {request.path}"}, status=404)
    return _error_page(request, board.NotFound(f"no page at {request.path}"))
