"""pytest_scylla: the spec's options and markers (`pytest_scylla.plugin`), its database
fixtures (`pytest_scylla.database`) and demo fixtures (`pytest_scylla.demo_fixtures`)."""

from .backend import ScyllaBackend, ServerClock
from .recorder import CqlRecorder

__all__ = ["CqlRecorder", "ScyllaBackend", "ServerClock"]
