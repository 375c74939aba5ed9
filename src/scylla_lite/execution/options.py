"""WITH options of schema statements as ScyllaDB reads them: keyspace replication, table
(and view) properties, index options. Shared by `ddl`, `indexes` and `views`."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from typing import Any

from ..catalog import SETTABLE_OPTIONS
from ..cql import ast
from ..errors import ConfigurationException, InvalidRequest, SyntaxException
from ..types import native
from .terms import term_text

TEXT = native("text")


def option_value(term: ast.Term) -> str | dict[str, str]:
    """A WITH option's value as ScyllaDB's property_definitions keeps it: a constant as the
    text it was written with (``comment = 123`` is ``'123'``, a number is never converted
    here), a map as a map of such texts. Each option's own check reads the text."""
    if isinstance(term, ast.Literal):
        return _raw_text(term)
    if isinstance(term, ast.UdtLiteral):  # `{class: 'X'}`: identifiers as keys
        return _property_map([(k, k, v) for k, v in term.fields])
    if isinstance(term, ast.MapLiteral):
        return _property_map([(_property_name(k), k, v) for k, v in term.items])
    raise SyntaxException(f"Invalid option value {term_text(term)}")


def _raw_text(term: ast.Literal) -> str:
    """A constant's text as written (a blob with its ``0x``)."""
    return "0x" + term.value if term.kind == "blob" else term.value


def _property_name(key: ast.Term) -> str:
    if not isinstance(key, ast.Literal):
        raise SyntaxException(f"Invalid property name: {term_text(key)}")
    return _raw_text(key)


def _property_map(entries: list[tuple[str, Any, ast.Term]]) -> dict[str, str]:
    """ScyllaDB's convert_property_map: constants only, each key once."""
    out: dict[str, str] = {}
    for name, key, value in entries:
        if not isinstance(value, ast.Literal):
            shown = key if isinstance(key, str) else term_text(key)
            raise SyntaxException(f"Invalid property value: {shown} for property: {term_text(value)}")
        if name in out:
            raise SyntaxException(f"Multiple definition for property {name}")
        out[name] = _raw_text(value)
    return out


def get_boolean(value: Any) -> bool:
    """ScyllaDB's property_definitions::get_boolean: ``1``, ``true`` or ``yes``, any case."""
    return isinstance(value, str) and value.lower() in ("1", "true", "yes")


def replication(options: dict[str, Any]) -> dict[str, str]:
    rep = options.get("replication")
    if not isinstance(rep, dict):
        raise ConfigurationException("Missing mandatory replication strategy class")
    rep = {k: str(v) for k, v in rep.items()}
    cls = rep.get("class", "")
    short = cls.rsplit(".", 1)[-1]
    if short == "SimpleStrategy":
        if "replication_factor" not in rep:
            raise ConfigurationException("SimpleStrategy requires a replication_factor strategy option.")
        _check_rf(rep["replication_factor"])
        unknown = set(rep) - {"class", "replication_factor"}
        if unknown:
            raise ConfigurationException(
                f"Unrecognized strategy option {{{sorted(unknown)[0]}}} passed to SimpleStrategy for keyspace"
            )
    elif short == "NetworkTopologyStrategy":
        for k, v in rep.items():
            if k != "class":
                _check_rf(v)
    elif short in ("LocalStrategy", "EverywhereStrategy"):
        pass
    else:
        raise ConfigurationException(
            f"Unable to find replication strategy class 'org.apache.cassandra.locator.{short}'"
        )
    rep["class"] = f"org.apache.cassandra.locator.{short}"
    return rep


def _check_rf(v: str) -> None:
    try:
        if int(v) < 0:
            raise ValueError
    except ValueError:
        raise ConfigurationException(f"Replication factor must be non-negative integer; found {v}") from None


IGNORED_TABLE_OPTIONS = frozenset(
    {
        "crc_check_chance",  # a keyword ScyllaDB accepts and never applies
        "read_repair_chance",  # and its obsolete ones, accepted and ignored
        "dclocal_read_repair_chance",
        "index_interval",
        "replicate_on_write",
        "populate_io_cache_on_flush",
    }
)
"""Table options ScyllaDB accepts with any value and ignores: system_schema keeps showing
their defaults."""


MEMTABLE_FLUSH_PERIOD_MIN = 60000


MIN_BLOOM_FILTER_FP_CHANCE = 6.71e-05  # utils::bloom_calculations::min_supported_bloom_filter_fp_chance


def _simple(name: str, value: Any) -> str:
    """property_definitions::get_simple: a constant, not a map."""
    if not isinstance(value, str):
        raise SyntaxException(f"Invalid value for property '{name}'. It should be a string")
    return value


def map_property(name: str, value: Any) -> dict[str, str]:
    """property_definitions::get_map: a map, not a constant."""
    if not isinstance(value, dict):
        raise SyntaxException(f"Invalid value for property '{name}'. It should be a map.")
    return value


def int_property(name: str, value: Any) -> int:
    """property_definitions::to_int: C's ``std::stoi`` of the text (leading digits,
    optionally signed), within 32 bits; anything else is a SyntaxException."""
    text = _simple(name, value)
    digits = re.match(r"\s*[+-]?\d+", text)
    short = digits is not None and len(digits.group().strip().lstrip("+-").lstrip("0")) <= 10
    number = int(digits.group()) if digits is not None and short else None
    if number is None or not -(2**31) <= number < 2**31:
        raise SyntaxException(f"Invalid integer value {text} for '{name}'")
    return number


_DOUBLE_PREFIX = re.compile(r"\s*[+-]?(?:inf(?:inity)?|nan|(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)", re.I)


def double_property(name: str, value: Any) -> float:
    """property_definitions::to_double: C's ``std::stod`` of the text (its leading
    number); none, or one out of a double's range, is a SyntaxException."""
    text = _simple(name, value)
    found = _DOUBLE_PREFIX.match(text)
    number = float(found.group()) if found else None
    digits = found.group() if found else ""
    overflow = number is not None and math.isinf(number) and "inf" not in digits.lower()
    underflow = number == 0 and re.search(r"[1-9]", digits.lower().split("e")[0]) is not None
    if number is None or overflow or underflow:
        raise SyntaxException(f"Invalid double value {text} for '{name}'")
    return number


def format_double(x: float) -> str:
    """A double as ScyllaDB's fmt ``{}`` writes it: the shortest exact form, no ``.0``."""
    text = repr(x)
    return text[:-2] if text.endswith(".0") else text


def _speculative_retry(name: str, value: Any) -> str:
    """speculative_retry::from_sstring, kept as its to_sstring (``99.0PERCENTILE``)."""
    text = _simple(name, value).upper()
    if text in ("NONE", "ALWAYS"):
        return text
    for suffix in ("MS", "PERCENTILE"):
        number = text[: -len(suffix)]
        if text.endswith(suffix) and re.fullmatch(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:E[+-]?\d+)?", number):
            v = float(number)
            return f"{v:.2f}ms" if suffix == "MS" else f"{v:.1f}PERCENTILE"
    # ScyllaDB throws a bare std::invalid_argument here (a "Server error"): refused as bad configuration
    raise ConfigurationException(f"cannot convert {text} to speculative_retry")


def _bloom_filter_fp_chance(name: str, value: Any) -> float:
    chance = double_property(name, value)
    if not MIN_BLOOM_FILTER_FP_CHANCE < chance <= 1.0:
        raise ConfigurationException(
            f"{name} must be larger than {format_double(MIN_BLOOM_FILTER_FP_CHANCE)} and less than "
            f"or equal to 1.0 (got {format_double(chance)})"
        )
    return chance


def _caching(name: str, value: Any) -> dict[str, str] | None:
    """caching_options::from_map (a string is its JSON), kept as ScyllaDB's to_map."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            value = None
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise SyntaxException(f"Invalid value for property '{name}'. It should be a map.")
    if not value:
        return None
    keys, rows, enabled = "ALL", "ALL", True
    for option, v in value.items():
        if option == "keys":
            keys = v
        elif option == "rows_per_partition":
            rows = v
        elif option == "enabled":
            enabled = v == "true"
        else:
            raise ConfigurationException(f"Invalid caching option: {option}")
    if keys not in ("ALL", "NONE"):
        raise ConfigurationException(f"Invalid key value: {keys}")
    if rows not in ("ALL", "NONE") and not (rows.isdigit() and int(rows) < 2**64):
        raise ConfigurationException(f"Invalid key value: {rows}")
    return {"keys": keys, "rows_per_partition": rows, **({} if enabled else {"enabled": "false"})}


_COMPACTION_STRATEGIES = frozenset(
    {
        "SizeTieredCompactionStrategy",
        "LeveledCompactionStrategy",
        "TimeWindowCompactionStrategy",
        "IncrementalCompactionStrategy",
        "DateTieredCompactionStrategy",
        "NullCompactionStrategy",
    }
)


def _compaction(name: str, value: Any) -> dict[str, str] | None:
    """The strategy class (kept unqualified, as ScyllaDB stores it) and the thresholds
    schema_builder reads (cf_prop_defs::validate and apply_to_builder)."""
    options = map_property(name, value)
    if not options:
        return None  # ScyllaDB keeps the table's strategy
    if "class" not in options:
        raise ConfigurationException("Missing sub-option 'class' for the 'compaction' option.")
    cls = options["class"].rsplit(".", 1)[-1]
    if cls not in _COMPACTION_STRATEGIES:
        raise ConfigurationException(f"Unable to find compaction strategy class '{options['class']}'")
    for threshold in ("min_threshold", "max_threshold"):
        if threshold in options and int_property(threshold, options[threshold]) <= 0:
            raise ConfigurationException(
                "Disabling compaction by setting compaction thresholds to 0 has been deprecated, "
                "set the compaction option 'enabled' to false instead."
            )
    return {**options, "class": cls}


def _compression(name: str, value: Any) -> dict[str, str]:
    options = map_property(name, value)
    if options and "sstable_compression" not in options and "class" not in options:
        raise ConfigurationException("Missing sub-option 'sstable_compression' for the 'compression' option.")
    return options


def _minimum_int(minimum: int, default: int) -> Callable[[str, Any], int]:
    """cf_prop_defs::validate_minimum_int."""

    def check(name: str, value: Any) -> int:
        number = int_property(name, value)
        if number < minimum:
            raise ConfigurationException(f"{name} cannot be smaller than {minimum}, (default {default})")
        return number

    return check


def _gc_grace_seconds(name: str, value: Any) -> int:
    seconds = int_property(name, value)
    if seconds < 0:
        raise ConfigurationException(f"gc_grace_seconds must be greater than or equal to 0 (got {seconds})")
    return seconds


def _memtable_flush_period(name: str, value: Any) -> int:
    period = int_property(name, value)
    if period != 0 and period < MEMTABLE_FLUSH_PERIOD_MIN:
        raise ConfigurationException(f"{name} must be 0 or greater than {MEMTABLE_FLUSH_PERIOD_MIN}")
    return period


def _check_index_intervals(given: dict[str, Any]) -> None:
    """min and max_index_interval, each against the other's given value or its default
    (cf_prop_defs::validate reads only the statement's properties)."""
    low = given.get("min_index_interval")
    high = given.get("max_index_interval")
    low_n = DEFAULT_MIN_INDEX_INTERVAL if low is None else int_property("min_index_interval", low)
    high_n = DEFAULT_MAX_INDEX_INTERVAL if high is None else int_property("max_index_interval", high)
    if low_n < 1:
        raise ConfigurationException("min_index_interval must be greater than 0")
    if high_n < low_n:
        raise ConfigurationException("max_index_interval must be greater than min_index_interval")


DEFAULT_MIN_INDEX_INTERVAL, DEFAULT_MAX_INDEX_INTERVAL = 128, 2048


_OPTION_CHECKS: dict[str, Callable[[str, Any], Any]] = {
    "bloom_filter_fp_chance": _bloom_filter_fp_chance,
    "caching": _caching,
    "comment": _simple,
    "compaction": _compaction,
    "compression": _compression,
    "default_time_to_live": _minimum_int(0, 0),
    "gc_grace_seconds": _gc_grace_seconds,
    "max_index_interval": int_property,
    "memtable_flush_period_in_ms": _memtable_flush_period,
    "min_index_interval": int_property,
    "paxos_grace_seconds": _minimum_int(0, 864000),
    "speculative_retry": _speculative_retry,
    "synchronous_updates": lambda name, value: get_boolean(_simple(name, value)),
}
"""Each table option's check, returning the value as it is stored (and shown in
system_schema). An option without one (cdc, tombstone_gc, in_memory: ScyllaDB's
extensions) is kept as given."""


def table_options(stmt_options: tuple[tuple[str, ast.Term], ...], is_view: bool = False) -> dict[str, Any]:
    """The WITH options of CREATE/ALTER TABLE or MATERIALIZED VIEW, checked as ScyllaDB's
    cf_prop_defs checks them and typed as system_schema shows them: a bad value is
    refused here, before anything is stored."""
    given: dict[str, str | dict[str, str]] = {}
    for name, term in stmt_options:
        if name in given:
            raise SyntaxException(f"Multiple definition for property '{name}'")
        given[name] = option_value(term)
    for name in given:
        if name not in SETTABLE_OPTIONS and name not in IGNORED_TABLE_OPTIONS:
            raise SyntaxException(f"Unknown property '{name}'")
    _check_index_intervals(given)
    options: dict[str, Any] = {}
    for name, value in given.items():
        check = _OPTION_CHECKS.get(name)
        if name in IGNORED_TABLE_OPTIONS:
            continue
        checked = value if check is None else check(name, value)
        if checked is not None:  # None: the option leaves the table as it is (an empty map)
            options[name] = checked
    if is_view and options.get("default_time_to_live"):
        raise InvalidRequest(
            "Cannot set or alter default_time_to_live for a materialized view. Data in a "
            "materialized view always expire at the same time than the corresponding "
            "data in the parent table."
        )
    return options
