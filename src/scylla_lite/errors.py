"""CQL errors as the native protocol carries them (spec section 9: error codes).

Each exception knows its code and the extra body fields its ERROR frame carries, so
the protocol layer encodes any of them without special cases.
"""

from __future__ import annotations


class CqlError(Exception):
    """Base of every error sent back to a client as an ERROR frame."""

    code = 0x0000

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ServerError(CqlError):
    code = 0x0000


class ProtocolError(CqlError):
    code = 0x000A


class BadCredentials(CqlError):
    code = 0x0100


class Unavailable(CqlError):
    code = 0x1000

    def __init__(self, message: str, consistency: int, required: int, alive: int) -> None:
        super().__init__(message)
        self.consistency, self.required, self.alive = consistency, required, alive


class Overloaded(CqlError):
    code = 0x1001


class Truncate(CqlError):
    code = 0x1003


class WriteTimeout(CqlError):
    code = 0x1100

    def __init__(
        self, message: str, consistency: int, received: int, block_for: int, write_type: str
    ) -> None:
        super().__init__(message)
        self.consistency, self.received, self.block_for, self.write_type = (
            consistency,
            received,
            block_for,
            write_type,
        )


class ReadTimeout(CqlError):
    code = 0x1200

    def __init__(
        self, message: str, consistency: int, received: int, block_for: int, data_present: bool
    ) -> None:
        super().__init__(message)
        self.consistency, self.received, self.block_for, self.data_present = (
            consistency,
            received,
            block_for,
            data_present,
        )


class FunctionFailure(CqlError):
    code = 0x1400

    def __init__(self, message: str, keyspace: str, function: str, arg_types: list[str]) -> None:
        super().__init__(message)
        self.keyspace, self.function, self.arg_types = keyspace, function, arg_types


class SyntaxException(CqlError):
    code = 0x2000


class Unauthorized(CqlError):
    code = 0x2100


class InvalidRequest(CqlError):
    code = 0x2200


class ConfigurationException(CqlError):
    code = 0x2300


class AlreadyExists(CqlError):
    """Body carries the keyspace and table (empty table for a keyspace)."""

    code = 0x2400

    def __init__(self, message: str, keyspace: str, table: str = "") -> None:
        super().__init__(message)
        self.keyspace, self.table = keyspace, table


class Unprepared(CqlError):
    code = 0x2500

    def __init__(self, message: str, statement_id: bytes) -> None:
        super().__init__(message)
        self.statement_id = statement_id
