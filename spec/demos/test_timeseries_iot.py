"""timeseries-iot — "The Chrono-Sensors": readings in (sensor, day) partitions, clustered ``ts DESC``.

The seed is deterministic: reading n is sensor ``(n - 1) % 7 + 1`` at ``2025-01-01 00:00 +
((n - 1) // 7) × 5 min``, every 10th an anomaly. The app's three answers — the latest N of
every sensor in a day (``per_partition_limit``), a time range within and across day buckets,
and the history pages behind ⏩ FAST-FORWARD (``paged_all`` with a signed paging state) — are
checked against a Python reference computed from the rows read back with plain CQL, page
boundaries at bucket edges included. Bad input is a 4xx with a message and writes nothing; a
changed page link is a 400; the CQL of each action is snapshotted.
"""

from __future__ import annotations

import html
import json
import math
import re
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from spec.assertions import assert_served_locally

pytestmark = pytest.mark.demo("timeseries-iot")

START = datetime(2025, 1, 1)
STEP = timedelta(minutes=5)
#: 4309 readings: 616 for sensors 1–4, 615 for 5–7; two full days and 40 (or 39) on 2025-01-03
COUNT = 4309
FF = re.compile(r'<a class="dk-button ch-ff"[^>]*href="([^"]+)">⏩ FAST-FORWARD (\d+) READINGS</a>')
CHART = re.compile(r'<script type="application/json" class="ch-chart-data">(.*?)</script>', re.S)


# --------------------------------------------------------------------------- the reference


def stored(cql) -> list[dict[str, Any]]:
    """Every reading, read back with plain CQL, as the API writes a reading (without ``d10``)."""
    rows = cql.execute("SELECT sensor_id, bucket, ts, celsius, anomaly FROM readings")
    return [
        {
            "sensor_id": r.sensor_id,
            "bucket": r.bucket,
            "ts": r.ts.isoformat(timespec="milliseconds") + "Z",
            "celsius": r.celsius,
            "anomaly": r.anomaly,
        }
        for r in rows
    ]


def counts(cql) -> tuple[int, int]:
    """(rows in readings, rows in sensor_buckets)."""
    return (
        cql.execute("SELECT count(*) FROM readings").one()[0],
        cql.execute("SELECT count(*) FROM sensor_buckets").one()[0],
    )


def timelines(rows: list[dict[str, Any]]) -> dict[int, list[dict[str, Any]]]:
    """Each sensor's readings, newest first: what every answer must agree with."""
    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        out[row["sensor_id"]].append(row)
    return {s: sorted(r, key=lambda x: x["ts"], reverse=True) for s, r in sorted(out.items())}


def plain(readings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """API readings without ``d10`` (checked on its own against its formula)."""
    return [{k: v for k, v in r.items() if k != "d10"} for r in readings]


def stamp(ts: datetime) -> str:
    return ts.isoformat(timespec="milliseconds") + "Z"


def chunks(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


async def walk_api(app_client, sensor_id: int, size: int | None = None) -> list[dict[str, Any]]:
    """Every history page of a sensor through the API, following ``next``."""
    params = {} if size is None else {"size": str(size)}
    pages = []
    while True:
        response = await app_client.get(f"/api/sensors/{sensor_id}/history", params=params)
        assert response.status_code == 200, response.text
        pages.append(response.json())
        if pages[-1]["next"] is None:
            return pages
        assert len(pages) < 1000, "the pages never end"
        params = {**params, "page": pages[-1]["next"]}


def assert_pages_match(pages: list[dict[str, Any]], reference: list[dict[str, Any]], size: int) -> None:
    """The pages are the reference cut every ``size`` readings; only the last may be empty (a
    real cluster may hand out a paging state at a partition's exact end)."""
    assert all(p["size"] == size and p["count"] == len(p["readings"]) for p in pages)
    assert all(p["readings"] for p in pages[:-1])
    filled = [plain(p["readings"]) for p in pages if p["readings"]]
    assert filled == chunks(reference, size)
    for page in pages:
        assert page["buckets"] == list(dict.fromkeys(r["bucket"] for r in page["readings"]))


# --------------------------------------------------------------------------- the seed


async def test_the_seed_writes_the_deterministic_timeline(seed, cql):
    assert seed(COUNT) == COUNT
    rows = stored(cql)
    assert len(rows) == COUNT
    lines = timelines(rows)
    assert {s: len(r) for s, r in lines.items()} == {1: 616, 2: 616, 3: 616, 4: 616, 5: 615, 6: 615, 7: 615}
    for readings in lines.values():
        times = [datetime.fromisoformat(r["ts"].rstrip("Z")) for r in reversed(readings)]
        assert times == [START + k * STEP for k in range(len(times))]  # one every 5 minutes from the start
        assert all(r["bucket"] == r["ts"][:10] for r in readings)  # the bucket is the reading's UTC day
        assert all(-30 < r["celsius"] < 60 for r in readings)
    # every 10th reading (in the seed's order: time step, then sensor) is a temporal anomaly
    in_order = sorted(rows, key=lambda r: (r["ts"], r["sensor_id"]))
    assert [n for n, r in enumerate(in_order, start=1) if r["anomaly"]] == list(range(10, COUNT + 1, 10))
    per_bucket = Counter((r["sensor_id"], r["bucket"]) for r in rows)
    assert per_bucket[(1, "2025-01-01")] == per_bucket[(7, "2025-01-02")] == 288
    assert per_bucket[(4, "2025-01-03")] == 40 and per_bucket[(5, "2025-01-03")] == 39
    index = {(r.sensor_id, r.bucket) for r in cql.execute("SELECT sensor_id, bucket FROM sensor_buckets")}
    assert index == set(per_bucket)

    assert seed(COUNT) == COUNT  # the same timeline again: the same rows, upserted
    assert sorted(stored(cql), key=repr) == sorted(rows, key=repr)


async def test_dimension_10_time_is_earth_time_warped(seed, app_client):
    seed(14)
    readings = (await app_client.get("/api/sensors/1/history")).json()["readings"]
    for reading in readings:
        hours = (datetime.fromisoformat(reading["ts"].rstrip("Z")) - START).total_seconds() / 3600
        expected = hours + 2.5 * math.sin(hours / 4.1) + 1.2 * math.sin(hours / 1.3)
        assert reading["d10"] == pytest.approx(expected, abs=1e-3)
    assert readings[-1]["d10"] == 0.0  # the first reading: the origin of both clocks


# --------------------------------------------------------------------------- latest N per sensor


async def test_latest_n_per_sensor_matches_the_reference(seed, app_client, cql):
    seed(COUNT)
    lines = timelines(stored(cql))
    for day in (None, "2025-01-01", "2025-01-02", "2025-01-03", "2025-02-01"):
        wanted = day or "2025-01-03"  # no day: the newest day of all
        for n in (1, 5, 39, 40, 50):
            params = {"n": str(n)} | ({"day": day} if day else {})
            body = (await app_client.get("/api/latest", params=params)).json()
            assert body["day"] == wanted and body["n"] == n
            got = {s["sensor_id"]: plain(s["readings"]) for s in body["sensors"]}
            # PER PARTITION LIMIT n of partition (sensor, day): that sensor's newest n of the day
            assert got == {s: [r for r in rows if r["bucket"] == wanted][:n] for s, rows in lines.items()}, (
                day,
                n,
            )
    # 2025-01-03 holds 40 readings of sensors 1–4 and 39 of 5–7: n = 40 meets a partition's edge
    body = (await app_client.get("/api/latest", params={"n": "40"})).json()
    assert [len(s["readings"]) for s in body["sensors"]] == [40, 40, 40, 40, 39, 39, 39]


async def test_the_latest_panel_shows_each_sensor_newest_first(seed, app_client, cql, cql_recorder, snapshot):
    seed(COUNT)
    cql_recorder.start()
    page = await app_client.get("/", params={"day": "2025-01-02", "n": "3"})
    assert cql_recorder.normalised() == snapshot
    assert page.status_code == 200
    assert "Latest 3 per sensor" in page.text and "per_partition_limit(3)" in page.text
    assert "PER PARTITION LIMIT 3" in page.text and "PER PARTITION LIMIT 1" in page.text
    panel = page.text.split('id="latest"')[1].split('id="transmit"')[0]
    lines = timelines(stored(cql))
    shown = re.findall(r"<time>(\d\d:\d\d)</time> <b>(-?[\d.]+) °C</b>", panel)
    expected = [
        (r["ts"][11:16], f"{r['celsius']:.2f}")
        for rows in lines.values()
        for r in [x for x in rows if x["bucket"] == "2025-01-02"][:3]
    ]
    assert shown == expected


# --------------------------------------------------------------------------- time ranges


RANGES = {
    "within a bucket": ("2025-01-02T10:00", "2025-01-02T12:00", ["2025-01-02"]),
    "across two": ("2025-01-01T21:00", "2025-01-02T03:00", ["2025-01-02", "2025-01-01"]),
    "across three": ("2025-01-01T23:55", "2025-01-03T00:05", ["2025-01-03", "2025-01-02", "2025-01-01"]),
    "one whole day, its end excluded": ("2025-01-02T00:00", "2025-01-03T00:00", ["2025-01-02"]),
    "time zones": ("2025-01-02T01:00+02:00", "2025-01-02T01:00Z", ["2025-01-02", "2025-01-01"]),
    "before the first reading": ("2024-12-31T20:00", "2025-01-01T00:10", ["2025-01-01"]),
    "past the last reading": ("2025-01-03T03:00", "2025-01-05T00:00", ["2025-01-03"]),
    "between two readings": ("2025-01-02T10:01", "2025-01-02T10:04", ["2025-01-02"]),
    "no bucket at all": ("2030-01-01T00:00", "2030-01-02T00:00", []),
}


def utc(text: str) -> str:
    """An ISO time as the API stamps it: UTC (a zone-less one is UTC)."""
    value = datetime.fromisoformat(text)
    return stamp(value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value)


async def test_a_range_within_and_across_buckets_matches_the_reference(seed, app_client, cql):
    seed(COUNT)
    lines = timelines(stored(cql))
    for name, (start, end, buckets) in RANGES.items():
        for sensor_id in (1, 7):
            params = {"start": start, "end": end}
            body = (await app_client.get(f"/api/sensors/{sensor_id}/readings", params=params)).json()
            expected = [r for r in lines[sensor_id] if utc(start) <= r["ts"] < utc(end)]
            assert plain(body["readings"]) == expected and body["count"] == len(expected), name
            assert body["buckets"] == buckets, name
            assert len(body["cql"]) == 1 + len(buckets), name  # the index, then one query per bucket
    assert [len(r) for r in (lines[1], lines[7])] == [616, 615]


async def test_the_range_page_draws_the_range_across_buckets(seed, app_client, cql, cql_recorder, snapshot):
    seed(COUNT)
    cql_recorder.start()
    page = await app_client.get("/range", params={"sensor": "3"})  # default: 3 h either side of midnight
    assert cql_recorder.normalised() == snapshot
    assert page.status_code == 200
    assert "72 readings" in page.text and "across 2 day buckets (2025-01-03 → 2025-01-02)" in page.text
    chart = json.loads(html.unescape(CHART.search(page.text).group(1)))
    expected = [r for r in timelines(stored(cql))[3] if "2025-01-02T21:00" <= r["ts"] < "2025-01-03T03:00"]
    assert [p[1] for p in chart["points"]] == [r["celsius"] for r in reversed(expected)]  # oldest first
    assert [p[2] for p in chart["points"]] == [int(r["anomaly"]) for r in reversed(expected)]
    one_day = await app_client.get(
        "/range", params={"sensor": "3", "start": "2025-01-02T01:00", "end": "2025-01-02T02:00"}
    )
    assert "12 readings" in one_day.text and "within one day bucket" in one_day.text


# --------------------------------------------------------------------------- history pages


#: (sensor, page size): sensor 1 has 40 readings on 2025-01-03, sensor 7 has 39; a full day is 288
SIZES = [(1, None), (1, 40), (1, 328), (1, 41), (1, 8), (7, 39), (7, 40), (7, 288), (7, 615)]


async def test_history_pages_match_the_reference_at_bucket_edges(seed, app_client, cql):
    seed(COUNT)
    lines = timelines(stored(cql))
    for sensor_id, size in SIZES:
        pages = await walk_api(app_client, sensor_id, size)
        assert_pages_match(pages, lines[sensor_id], size or 1000)
        if size in (40, 39) and sensor_id == (1 if size == 40 else 7):
            # the first page ends exactly at the newest bucket's edge, the next starts the older one
            assert pages[0]["buckets"] == ["2025-01-03"] and pages[1]["buckets"][0] == "2025-01-02"
            assert pages[1]["readings"][0]["ts"] == "2025-01-02T23:55:00.000Z"
        if size == 328:  # two buckets exactly, then the oldest one alone
            assert [p["buckets"] for p in pages if p["readings"]] == [
                ["2025-01-03", "2025-01-02"],
                ["2025-01-01"],
            ]
        if size == 40 and sensor_id == 7:  # 39 + the first of the next bucket
            assert pages[0]["buckets"] == ["2025-01-03", "2025-01-02"]
    pages, params = [], {"size": "1"}  # one reading a page: the newest few
    for _ in range(3):
        pages.append((await app_client.get("/api/sensors/7/history", params=params)).json())
        params["page"] = pages[-1]["next"]
    assert [plain(p["readings"]) for p in pages] == chunks(lines[7][:3], 1)


async def test_fast_forward_1000_readings_through_the_hud(seed, app_client, cql, cql_recorder, snapshot):
    seed(7 * 1002)  # 1002 readings a sensor: one full page of 1000, then 2
    reference = timelines(stored(cql))[2]
    home = await app_client.get("/", params={"sensor": "2"})
    assert home.status_code == 200 and "1000 readings on this page" in home.text
    link, label = FF.search(home.text).groups()
    assert label == "1000"
    chart = json.loads(html.unescape(CHART.search(home.text).group(1)))
    assert [p[1] for p in chart["points"]] == [r["celsius"] for r in reversed(reference[:1000])]

    cql_recorder.start()
    forward = await app_client.get(html.unescape(link))
    assert cql_recorder.normalised() == snapshot
    assert forward.status_code == 200 and "2 readings on this page" in forward.text
    assert 'class="hud arrived"' in forward.text  # the time warp lands
    assert FF.search(forward.text) is None and "beginning of this sensor" in forward.text
    chart = json.loads(html.unescape(CHART.search(forward.text).group(1)))
    assert [p[1] for p in chart["points"]] == [r["celsius"] for r in reversed(reference[1000:])]
    assert "back to the present" in forward.text


async def test_the_hud_pages_at_any_size_across_bucket_edges(seed, app_client, cql):
    seed(COUNT)
    reference = timelines(stored(cql))[5]
    url, seen = "/?sensor=5&size=300", []
    while url:
        page = await app_client.get(html.unescape(url))
        assert page.status_code == 200, page.text
        chart = json.loads(html.unescape(CHART.search(page.text).group(1)))
        seen.append([p[1] for p in reversed(chart["points"])])
        found = FF.search(page.text)
        url = found.group(1) if found else ""
        if found:
            assert found.group(2) == "300"
    filled = [s for s in seen if s]
    assert filled == chunks([r["celsius"] for r in reference], 300)
    assert all(seen[:-1])


# --------------------------------------------------------------------------- signed page links


def changed(token: str) -> list[str]:
    """The token with one character changed in its payload and in its MAC, and cut short."""
    payload, mac = token.split(".")
    flip = lambda text, i: text[:i] + ("A" if text[i] != "A" else "B") + text[i + 1 :]  # noqa: E731
    return [
        f"{flip(payload, 3)}.{mac}",
        f"{payload}.{flip(mac, 2)}",
        token[:-4],
        "garbage",
        "a.b.c",
        "x" * 3000,
    ]


async def test_a_tampered_or_foreign_page_link_is_a_400(seed, app_client, cql):
    seed(COUNT)
    before = counts(cql)
    token = (await app_client.get("/api/sensors/1/history", params={"size": "100"})).json()["next"]
    for value in changed(token):
        api = await app_client.get("/api/sensors/1/history", params={"page": value, "size": "100"})
        assert api.status_code == 400 and "bad page link" in api.json()["detail"], value
        page = await app_client.get("/", params={"sensor": "1", "page": value})
        assert page.status_code == 400 and "bad page link" in page.text and 'role="alert"' in page.text
    # a page link of sensor 1 is no page link of sensor 2
    foreign = await app_client.get("/api/sensors/2/history", params={"page": token})
    assert foreign.status_code == 400 and "another listing" in foreign.json()["detail"]
    resumed = await app_client.get("/api/sensors/1/history", params={"page": token, "size": "100"})
    assert resumed.status_code == 200 and resumed.json()["readings"][0]["ts"] == "2025-01-02T18:55:00.000Z"
    assert counts(cql) == before


# --------------------------------------------------------------------------- transmitting readings


async def test_transmit_a_reading_through_json_and_the_form(app_client, cql, cql_recorder, snapshot):
    cql_recorder.start()
    created = await app_client.post(
        "/api/readings",
        json={"sensor_id": 9, "celsius": 21.5, "ts": "2025-03-01T12:00:00+01:00", "anomaly": True},
    )
    assert cql_recorder.normalised() == snapshot(name="transmit (one logged batch)")
    assert created.status_code == 201, created.text
    reading = {
        "sensor_id": 9,
        "bucket": "2025-03-01",
        "ts": "2025-03-01T11:00:00.000Z",
        "celsius": 21.5,
        "anomaly": True,
    }
    assert plain([created.json()]) == [reading] == stored(cql)
    assert counts(cql) == (1, 1)
    sensors = (await app_client.get("/api/sensors")).json()["sensors"]
    assert sensors == [{"sensor_id": 9, "name": "Rogue probe #9", "newest_bucket": "2025-03-01"}]
    latest = (await app_client.get("/api/latest")).json()
    assert latest["day"] == "2025-03-01" and plain(latest["sensors"][0]["readings"]) == [reading]
    assert (await app_client.get("/api/sensors/9/buckets")).json() == {
        "sensor_id": 9,
        "buckets": ["2025-03-01"],
    }

    form = await app_client.post(
        "/readings", data={"sensor_id": "9", "celsius": "-4.25", "ts": "2025-02-28T23:59"}
    )
    assert form.status_code == 303 and form.headers["location"] == "/?sensor=9&day=2025-02-28#latest"
    history = (await app_client.get("/api/sensors/9/history")).json()
    assert [(r["ts"], r["celsius"], r["anomaly"]) for r in history["readings"]] == [
        ("2025-03-01T11:00:00.000Z", 21.5, True),
        ("2025-02-28T23:59:00.000Z", -4.25, False),
    ]
    assert history["buckets"] == ["2025-03-01", "2025-02-28"]

    before = datetime.now(UTC).replace(tzinfo=None)
    now = await app_client.post("/api/readings", json={"sensor_id": 9, "celsius": 30})  # no time: now
    written = datetime.fromisoformat(now.json()["ts"].rstrip("Z"))
    assert now.status_code == 201 and before - timedelta(seconds=1) <= written <= datetime.now(UTC).replace(
        tzinfo=None
    )
    assert now.json()["bucket"] == written.strftime("%Y-%m-%d")
    page = await app_client.get("/", params={"sensor": "9"})
    assert "3 readings on this page" in page.text and "Rogue probe #9" in page.text


# --------------------------------------------------------------------------- bad input


BAD_BODIES = [
    pytest.param({"celsius": 1.0}, "sensor_id: Field required", id="no-sensor"),
    pytest.param({"sensor_id": 1}, "celsius: Field required", id="no-celsius"),
    pytest.param({"sensor_id": 0, "celsius": 1.0}, "greater than or equal to 1", id="sensor-0"),
    pytest.param({"sensor_id": 100, "celsius": 1.0}, "less than or equal to 99", id="sensor-100"),
    pytest.param(
        {"sensor_id": "3", "celsius": 1.0}, "sensor_id: Input should be a valid integer", id="sensor-text"
    ),
    pytest.param(
        {"sensor_id": 2.5, "celsius": 1.0}, "sensor_id: Input should be a valid integer", id="sensor-float"
    ),
    pytest.param(
        {"sensor_id": 1, "celsius": "21"}, "celsius: Input should be a valid number", id="celsius-text"
    ),
    pytest.param(
        {"sensor_id": 1, "celsius": -300}, "greater than or equal to -273.15", id="below-absolute-zero"
    ),
    pytest.param({"sensor_id": 1, "celsius": 5000}, "less than or equal to 1000", id="too-hot"),
    pytest.param(
        {"sensor_id": 1, "celsius": 1, "ts": "yesterday"},
        "ts: Input should be a valid datetime",
        id="ts-word",
    ),
    pytest.param(
        {"sensor_id": 1, "celsius": 1, "ts": "1969-12-31T23:00:00Z"}, "ts: must be between 1970", id="ts-old"
    ),
    pytest.param(
        {"sensor_id": 1, "celsius": 1, "ts": "0001-01-01T00:00:00+05:00"},
        "ts: must be between 1970",
        id="ts-year-1",
    ),
    pytest.param(
        {"sensor_id": 1, "celsius": 1, "ts": 1735689600}, "ts: Input should be a valid datetime", id="ts-int"
    ),
    pytest.param(
        {"sensor_id": 1, "celsius": 1, "anomaly": "yes"},
        "anomaly: Input should be a valid boolean",
        id="anomaly-word",
    ),
    pytest.param(
        {"sensor_id": 1, "celsius": 1, "bucket": "2025-01-01"}, "bucket: is not a field", id="bucket-field"
    ),
    pytest.param(
        {"sensor_id": 1, "celsius": None}, "celsius: Input should be a valid number", id="celsius-null"
    ),
]


@pytest.mark.parametrize(("body", "message"), BAD_BODIES)
async def test_a_bad_reading_is_a_422_and_nothing_is_written(app_client, cql, body, message):
    response = await app_client.post("/api/readings", json=body)
    assert response.status_code == 422, response.text
    assert any(message in f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in response.json()["detail"]), (
        response.text
    )
    assert counts(cql) == (0, 0)


@pytest.mark.parametrize(
    ("content", "status", "message"),
    [
        ('{"sensor_id": 1, "celsius": NaN}', 422, "finite number"),
        ('{"sensor_id": 1, "celsius": 1e999}', 422, "finite number"),
        ("{not json", 400, "not valid JSON"),
        ("[1, 2]", 400, "JSON object"),
    ],
)
async def test_a_body_that_is_no_reading_is_refused(app_client, cql, content, status, message):
    response = await app_client.post(
        "/api/readings", content=content, headers={"content-type": "application/json"}
    )
    assert response.status_code == status and message in response.text
    assert counts(cql) == (0, 0)


async def test_the_form_refuses_bad_input_in_the_page(app_client, cql):
    for form, message in [
        ({"sensor_id": "1", "celsius": "hot"}, "celsius: Input should be a valid number"),
        ({"sensor_id": "x", "celsius": "1"}, "sensor_id: Input should be a valid integer"),
        ({"sensor_id": "1", "celsius": "1", "ts": "soon"}, "ts: Input should be a valid datetime"),
        ({"sensor_id": "1", "celsius": "1", "ts": "2025-01-01T00:00\x07"}, "ts:"),
    ]:
        page = await app_client.post("/readings", data=form)
        assert page.status_code == 422 and 'role="alert"' in page.text and html.escape(message) in page.text
    refused = await app_client.post("/readings", json={"sensor_id": 1, "celsius": 1})
    assert refused.status_code == 415  # the page's form posts a form; JSON goes to /api/readings
    big = await app_client.post(
        "/api/readings", content="{" + " " * 5000 + "}", headers={"content-type": "application/json"}
    )
    assert big.status_code == 413
    assert counts(cql) == (0, 0)


@pytest.mark.parametrize(
    ("url", "status", "message"),
    [
        ("/api/sensors/abc/history", 422, "not a sensor number"),
        ("/api/sensors/0/history", 422, "not a sensor number"),
        ("/api/sensors/%EF%BC%91/history", 422, "not a sensor number"),  # a full-width digit one
        ("/api/sensors/42/history", 404, "sensor #42 has no readings"),
        ("/api/sensors/42/buckets", 404, "sensor #42 has no readings"),
        ("/api/sensors/42/readings?start=2025-01-01T00:00&end=2025-01-01T01:00", 404, "sensor #42"),
        ("/api/sensors/1/history?size=0", 422, "size: '0' is not a whole number from 1 to 1000"),
        ("/api/sensors/1/history?size=1001", 422, "from 1 to 1000"),
        ("/api/latest?n=0", 422, "n: '0' is not a whole number from 1 to 50"),
        ("/api/latest?n=51", 422, "from 1 to 50"),
        ("/api/latest?n=five", 422, "from 1 to 50"),
        ("/api/latest?day=2025-13-01", 422, "not a day bucket"),
        ("/api/latest?day=2025-1-1", 422, "not a day bucket"),
        ("/api/sensors/1/readings?start=2025-01-01T00:00", 422, "give both start and end"),
        (
            "/api/sensors/1/readings?start=2025-01-02T00:00&end=2025-01-01T00:00",
            422,
            "start must be before end",
        ),
        (
            "/api/sensors/1/readings?start=2025-01-01T00:00&end=2025-01-01T00:00",
            422,
            "start must be before end",
        ),
        ("/api/sensors/1/readings?start=2025-01-01T00:00&end=2025-01-08T00:01", 422, "at most 7 days"),
        ("/api/sensors/1/readings?start=noon&end=2025-01-01T00:00", 422, "start: 'noon' is not a time"),
        ("/api/sensors/1/readings?start=0001-01-01T00:00%2B05:00&end=2025-01-01T00:00", 422, "start:"),
    ],
)
async def test_bad_parameters_are_refused_before_any_query(seed, app_client, cql, url, status, message):
    seed(14)
    before = counts(cql)
    response = await app_client.get(url)
    assert response.status_code == status and message in response.json()["detail"], response.text
    assert counts(cql) == before


@pytest.mark.parametrize(
    ("url", "status", "message"),
    [
        ("/?sensor=abc", 422, "not a sensor number"),
        ("/?sensor=42", 404, "sensor #42 has no readings"),
        ("/?n=0", 422, "n: &#39;0&#39; is not a whole number"),
        ("/?day=someday", 422, "not a day bucket"),
        ("/?size=5000", 422, "size:"),
        ("/range?sensor=42", 404, "sensor #42 has no readings"),
        ("/range?sensor=1&start=x&end=y", 422, "is not a time"),
        ("/no-such-page", 404, "Not Found"),
    ],
)
async def test_bad_parameters_show_in_the_page(seed, app_client, url, status, message):
    seed(14)
    page = await app_client.get(url)
    assert page.status_code == status and message in page.text and 'role="alert"' in page.text


# --------------------------------------------------------------------------- pages, assets, feeds


async def test_an_empty_timeline_and_every_page_and_asset(app_client, seed):
    empty = await app_client.get("/")
    assert empty.status_code == 200 and "The timeline is empty" in empty.text
    assert (await app_client.get("/range")).status_code == 404
    assert (await app_client.get("/api/sensors")).json()["sensors"] == []
    assert (await app_client.get("/api/latest")).json()["sensors"] == []

    seed(70)
    home = await app_client.get("/")
    assert home.status_code == 200 and "Sensor #1 — Clocktower, Prague 1410" in home.text
    assert all(f"#{n}</b>" in home.text for n in range(1, 8))
    assert "Earth Time" in home.text and "TEMPORAL ANOMALY" in home.text
    assert_served_locally(home.text)
    assert_served_locally((await app_client.get("/range")).text)
    for path, text in [
        ("/static/chart.umd.min.js", "Released under the MIT License"),
        ("/static/chart.umd.min.js", "Chart.js v4.5.1"),
        ("/static/chrono.js", "createLinearGradient"),
        ("/static/chrono.js", "Dimension-10 Time"),
        ("/static/chrono.css", "#fbbf24"),
        ("/static/chrono.css", "blur("),
        ("/static/favicon.svg", "⏰"),
        ("/static/demokit/base.css", "--surface"),
    ]:
        response = await app_client.get(path)
        assert response.status_code == 200 and text in response.text, path
    assert (await app_client.get("/docs")).status_code == 404  # Swagger UI loads from a CDN: off
    assert "/api/readings" in (await app_client.get("/openapi.json")).text
    assert (await app_client.get("/healthz")).json()["ok"] is True


def test_a_feed_seeds_csv_and_json(seed, cql, tmp_path):
    feed = tmp_path / "readings.csv"
    feed.write_text(
        "sensor_id,ts,celsius,anomaly\n3,2025-05-01T10:00:00Z,19.5,true\n3,2025-05-02T00:00,20,\n"
    )
    assert seed(feed=feed) == 2
    assert sorted(stored(cql), key=lambda r: r["ts"]) == [
        {
            "sensor_id": 3,
            "bucket": "2025-05-01",
            "ts": "2025-05-01T10:00:00.000Z",
            "celsius": 19.5,
            "anomaly": True,
        },
        {
            "sensor_id": 3,
            "bucket": "2025-05-02",
            "ts": "2025-05-02T00:00:00.000Z",
            "celsius": 20.0,
            "anomaly": False,
        },
    ]
    doc = tmp_path / "readings.json"
    doc.write_text(json.dumps([{"sensor_id": 4, "ts": "2025-05-03T01:02:03.456+00:00", "celsius": -1.25}]))
    assert seed(feed=doc) == 1
    assert counts(cql) == (3, 3)
    assert {(r.sensor_id, r.bucket) for r in cql.execute("SELECT * FROM sensor_buckets")} == {
        (3, "2025-05-01"),
        (3, "2025-05-02"),
        (4, "2025-05-03"),
    }


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("bad.json", "[{]", "not valid JSON"),
        ("no-ts.json", json.dumps([{"sensor_id": 1, "celsius": 2}]), "record 1 lacks ts"),
        (
            "hot.csv",
            "sensor_id,ts,celsius\n1,2025-01-01T00:00,hot\n",
            "record 1: celsius: Input should be a valid number",
        ),
        (
            "zero.csv",
            "sensor_id,ts,celsius\n1,2025-01-01T00:00,1\n0,2025-01-01T00:00,1\n",
            "record 2: sensor_id:",
        ),
        (
            "when.csv",
            "sensor_id,ts,celsius\n1,whenever,1\n",
            "record 1: ts: Input should be a valid datetime",
        ),
        ("readings.txt", "sensor_id\n", "use a .csv or .json file"),
    ],
)
def test_a_bad_feed_is_a_one_line_error_and_writes_nothing(seed, cql, tmp_path, name, text, message):
    from demokit.seed import FeedError

    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(FeedError, match=re.escape(message)) as info:
        seed(feed=path)
    assert "\n" not in info.value.format_message()
    tables = {
        r.table_name
        for r in cql.execute(
            "SELECT table_name FROM system_schema.tables WHERE keyspace_name = %s", [cql.keyspace]
        )
    }
    assert "readings" not in tables or counts(cql) == (0, 0)


def test_the_seed_command_refuses_a_bad_count(demo):
    from click.testing import CliRunner

    for count in ("0", "200001"):
        result = CliRunner().invoke(demo.import_("timeseries_iot.seed:cli"), ["--count", count])
        assert result.exit_code == 1 and "--count must be between 1 and 200000" in result.output


# --------------------------------------------------------------------------- the CQL of each action


async def test_the_cql_of_each_action(seed, app_client, cql_recorder, snapshot):
    seed(COUNT)
    actions: dict[str, list[str]] = {}
    for name, url in {
        "every sensor and its newest day (API)": "/api/sensors",
        "latest 5 per sensor (API)": "/api/latest?n=5&day=2025-01-02",
        "a range within one bucket (API)": "/api/sensors/2/readings?start=2025-01-02T10:00&end=2025-01-02T11:00",
        "a range across three buckets (API)": "/api/sensors/2/readings?start=2025-01-01T23:00&end=2025-01-03T01:00",
        "the first history page of 50 (API)": "/api/sensors/2/history?size=50",
    }.items():
        cql_recorder.start()
        response = await app_client.get(url)
        assert response.status_code == 200, response.text
        actions[name] = cql_recorder.normalised()
    cql_recorder.start()
    response = await app_client.get(
        "/api/sensors/2/history", params={"size": "50", "page": response.json()["next"]}
    )
    assert response.status_code == 200 and response.json()["buckets"] == ["2025-01-02"]
    actions["the next page, resumed from its paging state (API)"] = cql_recorder.normalised()
    assert actions == snapshot
