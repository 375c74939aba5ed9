"""A data directory written by an earlier release recovers unchanged (`release_data`).

The fixture was made by `python -m spec.engine.release_data` on commit 70e932a: its
snapshot, and a commit log with a record of every kind ended by a crash."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from scylla_lite.durability import LOG_HEADER_SIZE, decode_records, encode_record
from spec.engine.release_data import ARGS, LOGIN, read_back
from spec.server_process import ScyllaLiteProcess

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("SCYLLA_HOSTS")), reason="recovers a data directory in the embedded server process"
)

RELEASE = Path(__file__).parent / "fixtures" / "release-70e932a"


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A private copy of the release's data directory (recovery rewrites it)."""
    shutil.copytree(RELEASE / "data", tmp_path / "data")
    (tmp_path / "data").chmod(0o700)
    return tmp_path / "data"


def test_the_release_log_holds_a_record_of_every_kind_and_each_encodes_as_it_did(data_dir: Path) -> None:
    written = (data_dir / "commitlog").read_bytes()[LOG_HEADER_SIZE:]
    records, end = decode_records(written)
    assert end == len(written)
    assert b"".join(encode_record(record) for record in records) == written  # the on-disk format
    kinds = {type(record).__name__ for record in records}
    assert kinds == {
        "SchemaRecord",
        "WriteRecord",
        "CasWriteRecord",
        "BatchTextRecord",
        "BatchRecord",
        "ClockRecord",
        "AuthRecord",
    }


def test_a_release_data_directory_reads_back_as_that_release_read_it(data_dir: Path) -> None:
    expected = json.loads((RELEASE / "expected.json").read_text())
    server = ScyllaLiteProcess(data_dir, admin=True, args=ARGS)
    try:
        s = server.connect(LOGIN)
        assert read_back(s, server.admin_url) == expected
        s.execute("INSERT INTO r.kv (k, v) VALUES ('new', 'z')")
    finally:
        assert server.stop() == 0  # this code's snapshot of the release's data
    server = ScyllaLiteProcess(data_dir, admin=True, args=ARGS)
    try:
        again = read_back(server.connect(LOGIN), server.admin_url)
    finally:
        assert server.stop() == 0
    new_row = json.dumps({"k": "new", "t": None, "u": None, "v": "z"}, sort_keys=True)
    assert again == {**expected, "r.kv": sorted([*expected["r.kv"], new_row])}
