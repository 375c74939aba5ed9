"""The Chrono-Sensors' HUD (``/``, ``/range``) and JSON API (``/api/…``), both on `timeseries_iot.mesh`::

    SensorBucket.find().per_partition_limit(1)                         # every sensor, newest day
    Reading.find(sensor_id__in=ids, bucket=day).per_partition_limit(n)  # latest n per sensor
    Reading.find(sensor_id=s, bucket=b, ts__gte=t1, ts__lt=t2)          # a range, bucket by bucket
    Reading.find(sensor_id=s, bucket=b).fetch_size(k).page(state).paged_all()   # ⏩ 1000 a page

The ⏩ FAST-FORWARD link (and the API's ``next``) carries the page's cursor — its bucket and the
driver's paging state — signed with HMAC-SHA256 (`demokit.tokens`, key ``$CHRONO_SECRET``,
else random per process): a changed token, or one of another sensor, is a 400 before any
query. Every body is read by `demokit.bodies` into `ReadingIn`; bad input is a 4xx with a
message (the page's alert, or JSON ``detail``) and nothing is written.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from demokit import tokens, web
from demokit.bodies import FORM, JSON, BadBody, read_asgi
from timeseries_iot import mesh
from timeseries_iot.chrono import START, d10, day_start, epoch_ms, sensor_name
from timeseries_iot.inputs import (
    DEFAULT_LATEST,
    MAX_CELSIUS,
    MAX_LATEST,
    MAX_SENSOR,
    MIN_CELSIUS,
    PAGE_SIZE,
    BadPageLink,
    InputError,
    NotFound,
    ReadingIn,
    count_param,
    day_param,
    range_params,
    sensor_param,
)
from timeseries_iot.models import Reading, SensorBucket

MAX_BODY = 4_096
templates = web.templates(
    __file__,
    demo_title="The Chrono-Sensors",
    d10=d10,
    page_size=PAGE_SIZE,
    max_latest=MAX_LATEST,
    max_sensor=MAX_SENSOR,
    min_celsius=MIN_CELSIUS,
    max_celsius=MAX_CELSIUS,
)
pages = APIRouter(default_response_class=HTMLResponse)
api = APIRouter()


def create_app(keyspace: str | None = None) -> FastAPI:
    return web.create_fastapi(
        __file__,
        keyspace,
        documents=[Reading, SensorBucket],
        routers=[pages, api],
        errors={InputError: refused, BadBody: refused, HTTPException: http_error},
        state={"page_key": tokens.secret_key("CHRONO_SECRET")},  # signs the ⏩ page links
    )


# --------------------------------------------------------------------------- shared by both


def history_of(request: Request, sensor_id: int, page: str | None, size: str | None) -> dict[str, Any]:
    """The history page ``?page=`` names (its token checked first) and the next page's token."""
    key, scope = request.app.state.page_key, f"sensor={sensor_id}"
    try:
        payload = tokens.verify(key, scope, page)
        cursor = mesh.Cursor.decode(payload) if payload else None
    except (tokens.BadToken, ValueError) as exc:
        raise BadPageLink(f"bad page link: {exc}; start again from the present") from None
    history = mesh.history(sensor_id, cursor, count_param(size, "size", PAGE_SIZE, PAGE_SIZE))
    next_token = tokens.sign(key, scope, history.next.encode() if history.next else None)
    return {"history": history, "next_token": next_token, "first": cursor is None}


def chart_of(sensor_id: int, readings: list[Reading]) -> dict[str, Any]:
    """What ``static/chrono.js`` draws: [Earth ms, °C, anomaly] oldest first, and the D-10 origin."""
    points = [[epoch_ms(r.ts), r.celsius, int(bool(r.anomaly))] for r in reversed(readings)]
    return {"sensor": sensor_name(sensor_id), "points": points, "origin": epoch_ms(START)}


async def refused(request: Request, exc: InputError | BadBody) -> Response:
    """A refused parameter, page link or body: JSON ``detail`` under ``/api/``, else the page."""
    status = exc.status
    if request.url.path.startswith("/api/"):
        return JSONResponse({"detail": exc.errors if isinstance(exc, BadBody) else str(exc)}, status)
    problems = exc.messages if isinstance(exc, BadBody) else [str(exc)]
    return render(request, "error.html", status, problems=problems)


async def http_error(request: Request, exc: HTTPException) -> Response:
    if request.url.path.startswith("/api/") or exc.status_code == 405:
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)
    return render(request, "error.html", exc.status_code, problems=[str(exc.detail)])


def render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    return templates.TemplateResponse(request, name, context, status_code=status)


# --------------------------------------------------------------------------- the HUD


def dashboard(request: Request, form: dict[str, Any] | None = None, error: BadBody | None = None) -> Response:
    """``/``: one sensor's history page on the chart, the latest N of every sensor, the forms."""
    query = request.query_params
    known = mesh.sensors()
    latest = mesh.latest(
        count_param(query.get("n"), "n", DEFAULT_LATEST, MAX_LATEST), day_param(query.get("day")), known
    )
    context: dict[str, Any] = {"sensors": known, "latest": latest, "form": form or {}, "error": error}
    if known:
        sensor_id = sensor_param(query["sensor"]) if query.get("sensor") else known[0].sensor_id
        found = history_of(request, sensor_id, query.get("page"), query.get("size"))
        context.update(found, sensor_id=sensor_id, chart=chart_of(sensor_id, found["history"].readings))
    return render(request, "index.html", error.status if error else 200, **context)


@pages.get("/")
def index(request: Request) -> Response:
    return dashboard(request)


@pages.post("/readings")
async def transmit_form(request: Request) -> Response:
    """The transmit form: a 303 to the sensor's HUD, or the HUD with what is wrong (nothing written)."""
    try:
        data = await read_asgi(request, ReadingIn, accept=(FORM,), limit=MAX_BODY)
        reading = await run_in_threadpool(mesh.transmit, data)
    except BadBody as exc:
        return await run_in_threadpool(dashboard, request, exc.values, exc)
    return RedirectResponse(f"/?sensor={reading.sensor_id}&day={reading.bucket}#latest", status_code=303)


@pages.get("/range")
def range_page(request: Request, sensor: str = "", start: str = "", end: str = "") -> Response:
    """``/range``: a time range of one sensor (default: 3 h either side of its newest midnight)."""
    known = mesh.sensors()
    if not sensor and not known:
        raise NotFound("no sensors yet: seed the timeline first (make seed)")
    sensor_id = sensor_param(sensor) if sensor else known[0].sensor_id
    if not start or not end:
        midnight = day_start(mesh.newest_bucket(sensor_id))
        start = start or (midnight - timedelta(hours=3)).isoformat()
        end = end or (midnight + timedelta(hours=3)).isoformat()
    window = mesh.window(sensor_id, *range_params(start, end))
    chart = chart_of(sensor_id, window.readings)
    return render(request, "range.html", sensors=known, sensor_id=sensor_id, window=window, chart=chart)


# --------------------------------------------------------------------------- the JSON API


@api.get("/api/sensors")
def api_sensors() -> dict[str, Any]:
    return {"sensors": [vars(s) for s in mesh.sensors()], "cql": mesh.sensors_cql()}


@api.get("/api/sensors/{sensor}/buckets")
def api_buckets(sensor: str) -> dict[str, Any]:
    sensor_id = sensor_param(sensor)
    days = mesh.buckets(sensor_id)
    if not days:
        raise NotFound(f"sensor #{sensor_id} has no readings in any timeline")
    return {"sensor_id": sensor_id, "buckets": days}


@api.get("/api/sensors/{sensor}/history")
def api_history(
    request: Request, sensor: str, page: str | None = None, size: str | None = None
) -> dict[str, Any]:
    """One history page, newest first; ``next`` is the signed token of the following one."""
    sensor_id = sensor_param(sensor)
    found = history_of(request, sensor_id, page, size)
    history: mesh.HistoryPage = found["history"]
    return {
        "sensor_id": sensor_id,
        "size": history.size,
        "count": len(history.readings),
        "buckets": history.buckets,
        "readings": [mesh.as_json(r) for r in history.readings],
        "next": found["next_token"],
        "cql": history.cql,
    }


@api.get("/api/sensors/{sensor}/readings")
def api_range(sensor: str, start: str = "", end: str = "") -> dict[str, Any]:
    """The readings of ``[start, end)``, newest first (both required, at most 7 days apart)."""
    sensor_id = sensor_param(sensor)
    if not start or not end:
        raise InputError("give both start and end (ISO 8601 Earth times, e.g. 2025-01-02T22:00)")
    window = mesh.window(sensor_id, *range_params(start, end))
    return {
        "sensor_id": sensor_id,
        "start": window.start.isoformat() + "Z",
        "end": window.end.isoformat() + "Z",
        "buckets": window.buckets,
        "count": len(window.readings),
        "readings": [mesh.as_json(r) for r in window.readings],
        "cql": window.cql,
    }


@api.get("/api/latest")
def api_latest(day: str | None = None, n: str | None = None) -> dict[str, Any]:
    """The newest ``n`` readings of every sensor in one day bucket (``PER PARTITION LIMIT n``)."""
    latest = mesh.latest(count_param(n, "n", DEFAULT_LATEST, MAX_LATEST), day_param(day))
    return {
        "day": latest.day,
        "n": latest.n,
        "sensors": [
            {
                "sensor_id": s.sensor_id,
                "name": s.name,
                "readings": [mesh.as_json(r) for r in latest.readings.get(s.sensor_id, [])],
            }
            for s in latest.sensors
        ],
        "cql": latest.cql,
    }


@api.post("/api/readings", status_code=201)
async def api_transmit(request: Request) -> Response:
    data = await read_asgi(request, ReadingIn, accept=(JSON,), limit=MAX_BODY)
    reading = await run_in_threadpool(mesh.transmit, data)
    return JSONResponse(mesh.as_json(reading), status_code=201)


@api.get("/healthz")
def healthz(request: Request) -> dict[str, Any]:
    return {"ok": True, "keyspace": request.state.keyspace}
