"""The consistency levels a statement may be sent with, as ScyllaDB checks them."""

from __future__ import annotations

from ..catalog import Table
from ..cql import ast
from ..errors import InvalidRequest
from .modify import ModifyPlan

CONSISTENCY_NAMES = {
    0: "ANY",
    1: "ONE",
    2: "TWO",
    3: "THREE",
    4: "QUORUM",
    5: "ALL",
    6: "LOCAL_QUORUM",
    7: "EACH_QUORUM",
    8: "SERIAL",
    9: "LOCAL_SERIAL",
    10: "LOCAL_ONE",
}


def check_consistency(
    stmt: ast.Statement, compiled: object, consistency: int, serial: int | None = None
) -> None:
    """The consistency levels Cassandra refuses for a kind of statement."""
    name = CONSISTENCY_NAMES.get(consistency)
    if name is None:
        raise InvalidRequest(f"Unknown consistency level {consistency}")
    if isinstance(stmt, ast.Select) and name in ("ANY", "EACH_QUORUM"):
        raise InvalidRequest(f"{name} ConsistencyLevel is only supported for writes")
    if isinstance(stmt, (ast.Insert, ast.Update, ast.Delete)) and isinstance(compiled, ModifyPlan):
        check_write_consistency([compiled.table], compiled.conditional, consistency, serial)


def check_write_consistency(
    tables: list[Table], conditional: bool, consistency: int, serial: int | None
) -> None:
    """ScyllaDB's validate_for_write / validate_counter_for_write, and for a conditional
    statement or batch its Paxos (serial) and commit consistency levels, for writes to
    ``tables``."""
    name = CONSISTENCY_NAMES.get(consistency, str(consistency))
    is_serial = name in ("SERIAL", "LOCAL_SERIAL")
    if conditional:
        if serial is not None and CONSISTENCY_NAMES.get(serial) not in ("SERIAL", "LOCAL_SERIAL"):
            raise InvalidRequest(
                "Invalid consistency for conditional update. Must be one of SERIAL or LOCAL_SERIAL"
            )
        if is_serial:
            raise InvalidRequest(
                f"{name} is not supported as conditional update commit consistency. Use ANY if you mean "
                '"make sure it is accepted but I don\'t care how many replicas commit it for non-SERIAL reads"'
            )
        return
    counters = [t for t in tables if t.is_counter]
    if counters and name == "ANY":
        raise InvalidRequest(
            f"Consistency level ANY is not yet supported for counter table {counters[0].name}"
        )
    if counters and is_serial:
        raise InvalidRequest("Counter operations are inherently non-serializable")
    if is_serial:
        raise InvalidRequest("You must use conditional updates for serializable writes")
