"""coodie 1.9.3 bugs this project works around, pinned so an upgrade that fixes one shows.

Each test states the *correct* behaviour and is a strict xfail: while the bug is there
the test fails as expected; the day coodie fixes it the test passes, strict xfail turns
that into a failure, and the workaround (and this entry) can go.
"""

from __future__ import annotations

from typing import Any

import pytest
from coodie.exceptions import InvalidQueryError
from coodie.schema import build_schema


def _document_defined_in_a_function() -> Any:
    # Names imported locally, as coodie's own test_encryption.py does; under
    # `from __future__ import annotations` the annotations are strings naming them.
    from typing import Annotated
    from uuid import UUID, uuid4

    from coodie.fields import PrimaryKey
    from coodie.sync.document import Document
    from pydantic import Field

    class LocalProduct(Document):
        id: Annotated[UUID, PrimaryKey()] = Field(default_factory=uuid4)
        name: str = ""

        class Settings:
            name = "local_products"

    return LocalProduct


def test_pydantic_resolves_a_locally_defined_document() -> None:
    """The model itself is fine: pydantic resolved the local names from the caller's frame."""
    model = _document_defined_in_a_function()
    assert model.model_fields["id"].metadata, "pydantic kept the PrimaryKey() marker"


@pytest.mark.xfail(
    strict=True,
    raises=InvalidQueryError,
    reason=(
        "coodie 1.9.3 bug: build_schema() resolves annotations with typing.get_type_hints, which "
        "cannot see function-local names, then falls back to the raw strings and fails with "
        "\"Cannot map Python type 'Annotated[UUID, PrimaryKey()]' to a CQL type\". "
        "Workaround: every model in this project is defined at module level. "
        "It also makes coodie's test_encryption.py::TestSSLCassandraDriver fail on any server."
    ),
)
def test_build_schema_of_a_locally_defined_document() -> None:
    columns = {c.name: c for c in build_schema(_document_defined_in_a_function())}
    assert columns["id"].primary_key
    assert columns["id"].cql_type == "uuid"
    assert columns["name"].cql_type == "text"
