"""demokit.bodies: the one reader every demo's request bodies go through.

Each rule once, on a small model: sizes, encodings and media types, strict JSON, finite
numbers, no control characters, unknown fields, a form's text — each refusal a `BadBody`
with a status and a message that never echoes the input back.
"""

from __future__ import annotations

import json
from typing import Annotated

import pytest
from pydantic import Field

from demokit.bodies import BadBody, Body, FormBlank, Lines, parse

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


class Thing(Body):
    hints = {"size.int_type": "must be a whole number"}

    name: str = Field(min_length=1, max_length=20)
    notes: Lines = ""
    size: Annotated[int, FormBlank] = Field(1, ge=1, le=10)
    price: float = 0.0
    tags: set[str] = set()
    labels: dict[str, str] = {}
    shiny: bool = False


def refused(raw: bytes, content_type: str | None = JSON, **options: object) -> BadBody:
    with pytest.raises(BadBody) as info:
        parse(Thing, raw, content_type, **options)  # type: ignore[arg-type]
    return info.value


def test_json_is_read_strictly() -> None:
    thing = parse(Thing, b'{"name": "lamp", "size": 3, "price": 2, "tags": ["a"], "shiny": true}', JSON)
    assert (thing.name, thing.size, thing.price, thing.tags, thing.shiny) == ("lamp", 3, 2.0, {"a"}, True)
    for body, message in [
        ({"name": "lamp", "size": "3"}, "size: must be a whole number"),  # a hint
        ({"name": "lamp", "size": 3.0}, "size: must be a whole number"),
        ({"name": "lamp", "price": "2"}, "price: Input should be a valid number"),
        ({"name": "lamp", "tags": "a"}, "tags: Input should be a valid array"),
        ({"name": "lamp", "tags": None}, "tags: Input should be a valid array"),
        ({"name": "lamp", "shiny": "true"}, "shiny: Input should be a valid boolean"),
        ({"name": "lamp", "colour": "red"}, "colour: is not a field of this form"),
        ({}, "name: Field required"),
    ]:
        error = refused(json.dumps(body).encode())
        assert error.status == 422 and error.messages == [message], body


@pytest.mark.parametrize("number", [b"NaN", b"Infinity", b"-Infinity", b"1e999", b"-1e999"])
def test_numbers_are_finite(number: bytes) -> None:
    error = refused(b'{"name": "lamp", "price": ' + number + b"}")
    assert error.status == 422 and error.errors == [
        {"loc": ["price"], "type": "finite_number", "msg": "Input should be a finite number"}
    ]
    json.dumps(error.errors, allow_nan=False)  # JSON-ready: the input is never echoed


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\ud800"])
def test_text_holds_no_control_characters(char: str) -> None:
    for body in (
        {"name": f"a{char}b"},
        {"name": "a", "notes": f"x{char}y"},
        {"name": "a", "tags": [f"t{char}t"]},
    ):
        error = refused(json.dumps(body).encode())
        if char == "\ud800":  # a lone surrogate is no JSON at all
            assert error.status == 400 and "not valid JSON" in str(error)
        else:
            assert error.status == 422 and "must not hold control characters" in str(error)
            assert f"(found U+{ord(char):04X})" in str(error)
    form = refused(f"name=a{char}b".encode("utf-8", "surrogatepass"), FORM)  # likewise no UTF-8
    assert form.status in (400, 422)


def test_only_multi_line_text_takes_line_breaks_and_tabs() -> None:
    assert parse(Thing, b'{"name": "a", "notes": "one\\n\\ttwo\\r\\n"}', JSON).notes == "one\n\ttwo"
    error = refused(b'{"name": "a\\nb"}')
    assert error.messages == ["name: must not hold control characters or line breaks (found U+000A)"]
    assert refused(b'{"name": "a", "labels": {"k\\tk": "v"}}').fields == {
        "labels": "must not hold control characters or line breaks (found U+0009)"
    }


def test_a_form_is_read_as_text() -> None:
    thing = parse(Thing, b"name=lamp&size=&price=2.5&tags=a,+b&shiny=on&notes=x%0Dy", FORM)
    assert (thing.size, thing.price, thing.tags, thing.shiny, thing.notes) == (
        1,
        2.5,
        {"a", "b"},
        True,
        "x\ry",
    )
    error = refused(b"name=lamp&size=0&shiny=maybe", FORM)
    assert error.status == 422 and error.values == {"name": "lamp", "size": "0", "shiny": "maybe"}
    assert set(error.fields) == {"size", "shiny"}
    assert refused(b"name=a&name=b", FORM).messages == ["name: given more than once"]
    assert refused(b"name=%ff", FORM).status == 400
    assert refused(b"&".join(b"f%d=1" % n for n in range(200)), FORM).status == 400
    assert parse(Thing, b"name=a&csrf=x", FORM, ignore=("csrf",)).name == "a"


@pytest.mark.parametrize(
    ("raw", "content_type", "options", "status", "message"),
    [
        (b'{"name": "' + b"x" * 100 + b'"}', JSON, {"limit": 50}, 413, "too large: at most 50 bytes"),
        (b"\xff\xfe", JSON, {}, 400, "not UTF-8"),
        (b'{"name": "a"}', "application/json; charset=latin-1", {}, 415, "UTF-8"),
        (b"{oops", JSON, {}, 400, "not valid JSON"),
        (b"[1, 2]", JSON, {}, 400, "send a JSON object"),
        (b'"lamp"', JSON, {}, 400, "send a JSON object"),
        (b"name=a", "text/plain", {}, 415, "send JSON (application/json) or a form"),
        (b"name=a", None, {}, 415, "no content type"),
        (b"name=a", FORM, {"accept": ("json",)}, 415, "send JSON (application/json), not"),
        (b'{"name": "a"}', JSON, {"accept": ("form",)}, 415, "send a form"),
    ],
)
def test_what_is_no_body_of_the_kind_wanted_is_refused(
    raw: bytes, content_type: str | None, options: dict[str, object], status: int, message: str
) -> None:
    error = refused(raw, content_type, **options)
    assert error.status == status and message in str(error)


def test_an_empty_body_is_an_empty_object() -> None:
    assert refused(b"", JSON).messages == ["name: Field required"]
    assert refused(b"  ", None).status == 422
