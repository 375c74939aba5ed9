"""What the Chrono-Sensors accept: the body of a transmitted reading (`ReadingIn`, read by
`demokit.bodies`) and the query parameters of every page and endpoint, each checked here
before any query runs. A refusal is an `InputError` — 422 for a bad value, 404 for a sensor
with no readings, 400 for a page link that was changed — whose message the page or the JSON
``detail`` shows; nothing is written.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, ValidationInfo, field_validator
from pydantic_core import PydanticUseDefault

from demokit.bodies import Body, FormBlank, in_form
from timeseries_iot.chrono import EARLIEST, LATEST, cql_time, is_day

MAX_SENSOR = 99
MIN_CELSIUS, MAX_CELSIUS = -273.15, 1000.0
DEFAULT_LATEST, MAX_LATEST = 5, 50
PAGE_SIZE = 1000  # ⏩ FAST-FORWARD 1000 READINGS
MAX_RANGE = timedelta(days=7)


class InputError(ValueError):
    """A refused parameter: the message is shown to the person (and is the JSON ``detail``)."""

    status = 422


class NotFound(InputError):
    status = 404


class BadPageLink(InputError):
    status = 400


NOT_A_TIME = "Input should be a valid datetime (ISO 8601, e.g. 2025-01-02T22:00)"


def _earth_time(value: Any, info: ValidationInfo) -> Any:
    """A time is text in JSON as in a form: ISO 8601, read here (strict JSON would refuse any
    text once a validator runs before it); a form's blank input is "not given"."""
    if isinstance(value, str):
        if in_form(info) and not value.strip():
            raise PydanticUseDefault()
        try:
            return datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(NOT_A_TIME) from None
    if value is None or isinstance(value, datetime):
        return value
    raise ValueError(NOT_A_TIME)


class ReadingIn(Body):
    """A reading to transmit: no ``ts`` means now (Earth time, UTC; a zone-less time is UTC)."""

    sensor_id: Annotated[int, Field(ge=1, le=MAX_SENSOR)]
    celsius: Annotated[float, Field(ge=MIN_CELSIUS, le=MAX_CELSIUS)]
    ts: Annotated[datetime | None, BeforeValidator(_earth_time)] = None
    anomaly: Annotated[bool, FormBlank] = False  # a form's unticked box sends nothing, a CSV cell ""

    @field_validator("ts")
    @classmethod
    def _in_range(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        try:
            value = cql_time(value)
        except OverflowError:  # year 1 in a zone east of UTC: before datetime's own beginning
            value = EARLIEST - timedelta(days=1)
        if not EARLIEST <= value <= LATEST:
            raise ValueError(f"must be between {EARLIEST.year} and {LATEST.year} (Earth time)")
        return value


def sensor_param(text: str) -> int:
    """A sensor number of a path or query: 1…99."""
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= MAX_SENSOR:
        raise InputError(f"sensor: {text[:40]!r} is not a sensor number (1…{MAX_SENSOR})")
    return int(text)


def count_param(text: str | None, name: str, default: int, maximum: int) -> int:
    """A whole number 1…``maximum`` (``default`` when not given)."""
    if text is None or text == "":
        return default
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= maximum:
        raise InputError(f"{name}: {text[:40]!r} is not a whole number from 1 to {maximum}")
    return int(text)


def day_param(text: str | None) -> str | None:
    """A day bucket, ``YYYY-MM-DD`` (None when not given)."""
    if text is None or text == "":
        return None
    if not is_day(text):
        raise InputError(f"day: {text[:40]!r} is not a day bucket (YYYY-MM-DD)")
    return text


def time_param(text: str, name: str) -> datetime:
    """An Earth time, ISO 8601 (``2025-01-02T22:00``, ``…Z``, ``…+02:00``); zone-less is UTC."""
    try:
        value = cql_time(datetime.fromisoformat(text))
    except (ValueError, OverflowError):
        raise InputError(f"{name}: {text[:40]!r} is not a time (ISO 8601, e.g. 2025-01-02T22:00)") from None
    if not EARLIEST <= value <= LATEST:
        raise InputError(f"{name}: must be between {EARLIEST.year} and {LATEST.year}")
    return value


def range_params(start: str, end: str) -> tuple[datetime, datetime]:
    """``[start, end)``: start before end, at most `MAX_RANGE` apart (a query per day bucket)."""
    first, last = time_param(start, "start"), time_param(end, "end")
    if first >= last:
        raise InputError("start must be before end")
    if last - first > MAX_RANGE:
        raise InputError(f"a range spans at most {MAX_RANGE.days} days (one query per day bucket)")
    return first, last
