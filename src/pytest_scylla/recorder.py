"""Client-side capture of the CQL a driver session sends (works on a real cluster too)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from cassandra.query import BatchStatement, BoundStatement

_SPACES = re.compile(r"\s+")


def statement_text(query: Any) -> list[str]:
    """The CQL text(s) of a driver statement: a batch gives one text per child."""
    if isinstance(query, BatchStatement):
        texts: list[str] = []
        for _, child, _ in query._statements_and_parameters:
            texts.extend(statement_text(child))
        return texts
    if isinstance(query, BoundStatement):
        return [query.prepared_statement.query_string]
    text = getattr(query, "query_string", query)
    return [text] if isinstance(text, str) else []


class CqlRecorder:
    """Every CQL text executed on the given sessions while recording, in order.

    It listens through the driver's public ``add_request_init_listener`` hook, so
    it sees what coodie really sends, prepared or not, sync or async. ``aliases``
    maps generated names (the test keyspaces) to the stable ones `normalised` shows.
    """

    def __init__(self, *sessions: Any, aliases: Mapping[str, str] | None = None) -> None:
        self.sessions = sessions
        self.aliases = aliases if aliases is not None else {}
        self.statements: list[str] = []
        self._on = False
        for session in sessions:
            session.add_request_init_listener(self._on_request)

    def _on_request(self, response_future: Any) -> None:
        if self._on:
            self.statements.extend(statement_text(response_future.query))

    def start(self) -> CqlRecorder:
        self.statements.clear()
        self._on = True
        return self

    def stop(self) -> list[str]:
        self._on = False
        return list(self.statements)

    def close(self) -> None:
        self._on = False
        for session in self.sessions:
            session.remove_request_init_listener(self._on_request)

    def normalised(self, *, include_system: bool = False) -> list[str]:
        """Statements with whitespace collapsed, aliased names replaced (a demo test's keyspace
        by the demo's own), driver-internal system queries dropped: in a demo test, text to
        compare with a snapshot (``assert cql_recorder.normalised() == snapshot``)."""
        out = [_SPACES.sub(" ", s).strip() for s in self.statements]
        if self.aliases:
            names = re.compile(r"\b(" + "|".join(map(re.escape, self.aliases)) + r")\b")
            out = [names.sub(lambda m: self.aliases[m.group(1)], s) for s in out]
        if not include_system:
            out = [s for s in out if not re.search(r"\bsystem(_schema)?\.", s)]
        return out

    def __len__(self) -> int:
        return len(self.statements)

    def __iter__(self) -> Any:
        return iter(self.statements)
