"""Views: the board page, the task pages (create / edit / move / delete) and the JSON API.

Bad input never reaches the database: the page answers 400 with the form and a red
message, the API ``{"error": …, "fields": {…}}``; an unknown task id is a 404, a
malformed one a 400, a move that lost a race a 409.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.static import serve

from demokit import theme
from django_taskboard import board
from django_taskboard.board import LABELS, STATUSES, BoardError

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


def _error_page(request: HttpRequest, exc: BoardError) -> HttpResponse:
    return _page(request, "error.html", {"error": exc.message}, status=exc.status)


# --------------------------------------------------------------------------- pages


@require_GET
def board_page(request: HttpRequest) -> HttpResponse:
    found = board.tasks()
    return _page(
        request,
        "board.html",
        {"columns": board.columns(found), "events": board.events(12), "task_count": len(found)},
    )


def _form_values(request: HttpRequest) -> dict[str, str]:
    return {k: request.POST[k] for k in board.FIELDS if k in request.POST}


@require_http_methods(["GET", "POST"])
def new_task(request: HttpRequest) -> HttpResponse:
    values: dict[str, Any] = {
        "status": request.GET.get("status", "todo"),
        "priority": "medium",
        "sprint": "1",
    }
    if request.method == "POST":
        values = _form_values(request)
        try:
            task = board.create(board.clean(values))
        except BoardError as exc:
            return _page(
                request, "task_form.html", {"task": None, "values": values, "error": exc}, status=400
            )
        messages.success(
            request, f"🐝 JIRA-TRON assigned “{task.title}” to {task.assignee or 'a random human'}."
        )
        return HttpResponseRedirect("/")
    return _page(request, "task_form.html", {"task": None, "values": values, "error": None})


@require_http_methods(["GET", "POST"])
def task_page(request: HttpRequest, task_id: str) -> HttpResponse:
    try:
        task = board.get(task_id)
    except BoardError as exc:
        return _error_page(request, exc)
    values: dict[str, Any] = board.as_json(task)
    status = 200
    error = None
    if request.method == "POST":
        values = _form_values(request)
        try:
            changed = board.edit(task, board.clean(values))
        except BoardError as exc:
            error, status = exc, exc.status
        else:
            note = ", ".join(changed) if changed else "nothing changed"
            messages.success(request, f"🦎 The Middleware rewrote “{task.title}” ({note}).")
            return HttpResponseRedirect("/")
    return _page(
        request,
        "task_form.html",
        {"task": task, "values": values, "error": error, "history": board.history(task.id)},
        status=status,
    )


@require_POST
def move_task(request: HttpRequest, task_id: str) -> HttpResponse:
    try:
        task = board.get(task_id)
        target = request.POST.get("status", "")
        moved = board.move(task, target)
    except BoardError as exc:
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


def _json_error(exc: BoardError) -> JsonResponse:
    return JsonResponse({"error": exc.message, "fields": exc.fields}, status=exc.status)


def _body(request: HttpRequest) -> dict[str, Any]:
    if request.content_type != "application/json":
        raise BoardError("send the task as JSON (Content-Type: application/json)")
    try:
        data = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise BoardError("the body is not valid JSON") from None
    if not isinstance(data, dict):
        raise BoardError("the body must be a JSON object")
    return data


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
        task = board.create(board.clean(_body(request), typed=True))
    except BoardError as exc:
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
        changed = board.edit(task, board.clean(_body(request), partial=True, typed=True))
    except BoardError as exc:
        return _json_error(exc)
    return JsonResponse({"task": board.as_json(task), "changed": changed, **_summary(board.counters())})


@csrf_exempt
@require_POST
def api_move(request: HttpRequest, task_id: str) -> JsonResponse:
    """What a drag and drop sends: ``{"status": "done"}``."""
    try:
        body = _body(request)
        status = body.get("status")
        if not isinstance(status, str) or status not in STATUSES:
            raise BoardError(f"status must be one of {', '.join(STATUSES)}", {"status": "unknown status"})
        task = board.get(task_id)
        moved = board.move(task, status)
    except BoardError as exc:
        return _json_error(exc)
    return JsonResponse({"task": board.as_json(task), "moved": moved, **_summary(board.counters())})


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"error": f"no such endpoint: {request.path}"}, status=404)
    return _error_page(request, board.NotFound(f"no page at {request.path}"))
