"""Seed the Chrono-Sensors: ⏰ CHRONOMESH plants readings across the timeline.

``seed(count=N)`` writes N readings, deterministically (no clock, a fixed random seed): reading
n (1, 2, …) is sensor ``(n - 1) % 7 + 1`` at Earth time ``START + ((n - 1) // 7) × 5 min`` —
seven sensors ticking together, 288 readings per sensor per day bucket — with a daily
temperature wave plus noise, and every 10th reading a temporal anomaly (a jump of 3–6 °C,
``anomaly = true``). Seeding again writes the same rows (upserts). The day buckets each sensor
uses go to ``sensor_buckets`` first, then the readings, concurrently (`write_all`).

``seed(feed=path)`` loads a CSV/JSON feed of ``sensor_id``, ``ts``, ``celsius`` and optionally
``anomaly``, each record checked by the web app's own `ReadingIn`.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from typing import Any

from demokit.bodies import BadBody, validate_form
from demokit.progress import SeedProgress
from demokit.seed import FeedError, check_count, read_feed, seed_cli, write_all
from demokit.seed_theme import Banner, Bar, Column, Markup, SeedTheme
from timeseries_iot.chrono import SENSORS, START, STEP, bucket_of, sensor_name
from timeseries_iot.inputs import ReadingIn
from timeseries_iot.models import Reading, SensorBucket

MAX_READINGS = 200_000
DEFAULT_COUNT = 8_000
RANDOM_SEED = 1010
ANOMALY_EVERY = 10
BLUE, GOLD = "#3b82f6", "#fbbf24"
#: each sensor's mean temperature (°C): a clocktower in winter is not a café in 3001
BASE = {1: 6.0, 2: 9.5, 3: 21.0, 4: 27.5, 5: -3.0, 6: 14.0, 7: 33.0}
WARNING = Markup(f"  [bold blink {GOLD}]⚠️ TEMPORAL ANOMALY DETECTED[/]")
READING = "{tag}  Sensor #{sensor_id} @ T={timestamp}: {value}°C  Bucket: {bucket}{warning}"

#: ⏰ CHRONOMESH's console: a blue bar of readings, a gold warning on every anomaly.
THEME = SeedTheme(
    persona="⏰ CHRONOMESH",
    accent=BLUE,
    opening="wakes in Dimension-10: {total:,} readings to plant across the timeline…",
    bars=(Bar("readings", "{tag}  opening the day buckets…", status=READING),),
    palette={"gold": GOLD},
    finished=GOLD,
    spinner="clock",
    line=READING,
    lines=30,
    every=10_000,
    rate="{rate:,.0f} readings/s",
    elapsed=True,
    banner=Banner(
        title="⏰ TIMELINE SECURED — {written:,} readings in {seconds:.1f}s",
        subtitle="causality holds… for now",
        text="[{gold}]{anomalies:,}[/] temporal anomalies contained in [bold]{partitions:,}[/] "
        "(sensor, day) partitions.\n[dim]Open the HUD and FAST-FORWARD through them.[/]",
        columns=(
            Column(cell="[{accent}]#{sensor_id}[/] {name}"),
            Column(cell="{n:,} readings", justify="right"),
            Column(cell="{days} day buckets", justify="right"),
        ),
    ),
)


def generate(count: int) -> list[Reading]:
    """The first ``count`` readings of the deterministic timeline (see the module)."""
    rng = random.Random(RANDOM_SEED)
    sensors = len(SENSORS)
    out = []
    for n in range(1, count + 1):
        step, index = divmod(n - 1, sensors)
        sensor_id = index + 1
        ts = START + step * STEP
        minute = ts.hour * 60 + ts.minute
        celsius = BASE[sensor_id] + 6 * math.sin(2 * math.pi * (minute / 1440 - 0.35)) + rng.gauss(0, 0.5)
        anomaly = n % ANOMALY_EVERY == 0
        if anomaly:
            celsius += rng.choice((-1, 1)) * rng.uniform(3, 6)
        out.append(
            Reading(
                sensor_id=sensor_id, bucket=bucket_of(ts), ts=ts, celsius=round(celsius, 2), anomaly=anomaly
            )
        )
    return out


def feed_readings(path: str) -> list[Reading]:
    """The feed's readings, each checked by `ReadingIn` (a one-line `FeedError` names the record)."""
    out = []
    for number, record in enumerate(read_feed(path, ["sensor_id", "ts", "celsius"]), start=1):
        try:
            data = validate_form(ReadingIn, record)  # a feed's values are read as a form's text
        except BadBody as exc:
            raise FeedError(f"feed {path}: record {number}: {'; '.join(exc.messages)}") from None
        assert data.ts is not None  # required above
        out.append(
            Reading(
                sensor_id=data.sensor_id,
                bucket=bucket_of(data.ts),
                ts=data.ts,
                celsius=data.celsius,
                anomaly=data.anomaly,
            )
        )
    return out


def seed(
    count: int = DEFAULT_COUNT, feed: str | None = None, progress: bool = False, *, workers: int = 16
) -> int:
    """Write ``count`` generated readings (or the feed's) and their day buckets; return how many readings."""
    if feed is not None:
        readings = feed_readings(feed)
    else:
        check_count(count, MAX_READINGS)
        readings = generate(count)
    Reading.sync_table()
    SensorBucket.sync_table()
    index = sorted({(r.sensor_id, r.bucket) for r in readings})
    with SeedProgress(THEME, len(readings), enabled=progress) as ui:
        ui.say(
            "{tag}  indexing {days:,} day buckets of {sensors} sensors…",
            days=len(index),
            sensors=len({s for s, _ in index}),
        )
        write_all((SensorBucket(sensor_id=s, bucket=b) for s, b in index), workers=workers)
        written = write_all(readings, workers=workers, on_saved=lambda reading, _: shown(ui, reading))
        ui.finish(
            summary(readings),
            written=written,
            partitions=len(index),
            anomalies=sum(r.anomaly for r in readings),
        )
    return written


def shown(ui: SeedProgress, reading: Reading) -> None:
    ui.advance(
        sensor_id=reading.sensor_id,
        timestamp=reading.ts.strftime("%Y-%m-%d %H:%M"),
        value=f"{reading.celsius:.2f}",
        bucket=reading.bucket,
        warning=WARNING if reading.anomaly else Markup(""),
    )


def summary(readings: list[Reading]) -> list[dict[str, Any]]:
    """One banner row per sensor: its readings and its day buckets."""
    per_sensor = Counter(r.sensor_id for r in readings)
    days = Counter(s for s, _ in {(r.sensor_id, r.bucket) for r in readings})
    return [
        {"sensor_id": s, "name": sensor_name(s), "n": per_sensor[s], "days": days[s]}
        for s in sorted(per_sensor)
    ]


cli = seed_cli(seed, default_count=DEFAULT_COUNT, what="readings", max_count=MAX_READINGS)

if __name__ == "__main__":
    cli()
