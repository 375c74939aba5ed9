"""One reader for every request body a demo accepts — FastAPI, Flask and Django alike.

A body is refused, with a 4xx and a message, before anything is written when it is

* bigger than ``limit`` bytes (413) or not UTF-8 (400);
* neither JSON (``application/json``) nor a form (``application/x-www-form-urlencoded``)
  of the kinds the route accepts (415); malformed JSON or not an object (400);
* not a valid `Body` (422). A `Body` refuses unknown fields (``extra="forbid"``),
  numbers that are not finite (``NaN``, ``1e999``) and text holding control characters
  (tab and line breaks only in fields marked `Lines`); JSON is validated *strictly*
  (``"1"`` is no number, ``"cats"`` no list, ``null`` no set), a form's strings as a
  form's are (``"7"`` → 7, a ticked checkbox ``"on"`` → True, ``"a, b"`` → a list or a
  set, and — in fields marked `FormBlank` — an empty input → "not given").

An empty body is an empty object. Whatever is refused raises `BadBody` — ``status``,
``messages`` (``"price: Input should be a finite number"``), ``errors`` (JSON-ready, never
echoing the input) and the form ``values`` to show again — which each demo turns into its
page or its JSON answer::

    class ProductIn(Body):
        name: str = Field(min_length=1, max_length=80)
        description: Lines = ""

    data = await read_asgi(request, ProductIn)      # FastAPI / Starlette
    data = read_flask(request, ProductIn)           # Flask
    data = read_django(request, ProductIn)          # Django
"""

from __future__ import annotations

import functools
import re
import types
from collections.abc import Collection, Iterator, Mapping
from typing import Annotated, Any, ClassVar, TypeVar, Union, get_args, get_origin
from urllib.parse import parse_qsl

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError, PydanticUseDefault

MAX_BODY = 64 * 1024
MAX_FIELDS = 100
JSON = "json"
FORM = "form"
MEDIA_TYPES = {"application/json": JSON, "application/x-www-form-urlencoded": FORM}
CSRF_FIELD = "csrfmiddlewaretoken"  # Django's forms carry it; the middleware checks it, not the model

#: C0 and C1 control characters and lone surrogates: never stored as text
ONE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
MULTI_LINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")

B = TypeVar("B", bound=BaseModel)


class MultiLine:
    """Marks text that may hold tabs and line breaks (a description, a post's body)."""

    def __repr__(self) -> str:
        return "MULTILINE"


MULTILINE = MultiLine()
Lines = Annotated[str, MULTILINE]


def in_form(info: ValidationInfo) -> bool:
    """Whether a validator runs on a form (or a feed read as one): text to convert."""
    return bool(info.context and info.context.get(FORM))


def _blank_form_value(value: Any, info: ValidationInfo) -> Any:
    if in_form(info) and isinstance(value, str) and not value.strip():
        raise PydanticUseDefault()
    return value


#: in a form, an empty input means "not given": the field's default (JSON must leave it out).
#: For text and numbers: a value it passes on is validated as Python, not as JSON
FormBlank = BeforeValidator(_blank_form_value)


def _collection(annotation: Any) -> bool:
    origin = get_origin(annotation)
    if origin is Annotated:
        return _collection(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        return any(_collection(a) for a in get_args(annotation) if a is not type(None))
    return (origin or annotation) in (list, set, frozenset, tuple)


def form_fields(model: type[BaseModel], values: Mapping[str, Any]) -> dict[str, Any]:
    """A form's (or a feed's) text values for ``model``: in a list or set field, ``"a, b"`` is
    ``["a", "b"]`` (JSON must send the list itself)."""
    fields = model.model_fields
    return {
        name: [item.strip() for item in value.split(",") if item.strip()]
        if isinstance(value, str) and name in fields and _collection(fields[name].annotation)
        else value
        for name, value in values.items()
    }


def _texts(value: Any) -> Iterator[str]:
    """Every string inside ``value``: itself, list items, mapping keys and values, model fields."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _texts(key)
            yield from _texts(item)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from _texts(item)
    elif isinstance(value, BaseModel):
        yield from _texts(dict(value))


def _marked(annotation: Any) -> bool:
    if annotation is MULTILINE:
        return True
    extra = getattr(annotation, "__metadata__", ())
    return any(_marked(a) for a in (*extra, *get_args(annotation)))


@functools.cache
def _multiline(model: type[BaseModel], field: str) -> bool:
    info = model.model_fields.get(field)
    return info is not None and (MULTILINE in info.metadata or _marked(info.annotation))


class Body(BaseModel):
    """What a demo accepts in a request body (see the module): subclass it, one per form.

    ``hints`` replaces pydantic's message for an error: key ``"field.error_type"`` or
    ``"error_type"`` (``{"email.string_pattern_mismatch": "is not an e-mail address"}``).
    """

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False, str_strip_whitespace=True)
    hints: ClassVar[dict[str, str]] = {}

    @field_validator("*", mode="after")
    @classmethod
    def _plain_text(cls, value: Any, info: ValidationInfo) -> Any:
        multiline = info.field_name is not None and _multiline(cls, info.field_name)
        pattern = MULTI_LINE if multiline else ONE_LINE
        for text in _texts(value):
            found = pattern.search(text)
            if found:
                kind = "control characters" if multiline else "control characters or line breaks"
                raise PydanticCustomError(
                    "control_character",
                    "must not hold {kind} (found U+{code})",
                    {"kind": kind, "code": f"{ord(found.group()):04X}"},
                )
        return value


class BadBody(ValueError):
    """A refused body: ``status`` (400/413/415/422), ``errors`` ``[{"loc", "type", "msg"}]`` and,
    for a form, the ``values`` sent (to fill the form in again)."""

    def __init__(self, status: int, errors: list[dict[str, Any]], values: Mapping[str, str] | None = None):
        self.status = status
        self.errors = errors
        self.values = dict(values or {})
        super().__init__("; ".join(self.messages))

    @classmethod
    def one(cls, status: int, kind: str, message: str) -> BadBody:
        return cls(status, [{"loc": [], "type": kind, "msg": message}])

    @property
    def messages(self) -> list[str]:
        """One line per problem: ``"price: Input should be a finite number"``."""
        return [
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" if e["loc"] else e["msg"] for e in self.errors
        ]

    @property
    def fields(self) -> dict[str, str]:
        """The first message of each field (``""``: the body as a whole), to show beside it."""
        out: dict[str, str] = {}
        for error in self.errors:
            out.setdefault(str(error["loc"][0]) if error["loc"] else "", error["msg"])
        return out


def _message(model: type[BaseModel], error: Any) -> str:
    hints: dict[str, str] = getattr(model, "hints", {})
    where = str(error["loc"][0]) if error["loc"] else ""
    hint = hints.get(f"{where}.{error['type']}") or hints.get(error["type"])
    if hint:
        return hint
    if error["type"] == "extra_forbidden":
        return "is not a field of this form"
    return str(error["msg"]).removeprefix("Value error, ")


def refusal(model: type[BaseModel], exc: ValidationError, values: Mapping[str, str] | None = None) -> BadBody:
    """``exc`` as a `BadBody`: 400 when the body is no JSON object at all, 422 for its fields."""
    errors = [
        {"loc": list(e["loc"]), "type": e["type"], "msg": _message(model, e)}
        for e in exc.errors(include_url=False, include_input=False)
    ]
    whole = [e for e in errors if not e["loc"]]
    if any(e["type"] == "json_invalid" for e in whole):
        return BadBody(400, [{**whole[0], "msg": f"the body is not valid JSON ({whole[0]['msg']})"}])
    if any(e["type"] in ("model_type", "model_attributes_type", "dict_type") for e in whole):
        return BadBody.one(400, "model_type", "send a JSON object with the fields")
    return BadBody(422, errors, values)


def _media(content_type: str | None) -> tuple[str, str | None]:
    media, _, params = (content_type or "").partition(";")
    charset = None
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    return media.strip().lower(), charset


def _decode(raw: bytes, charset: str | None) -> str:
    if charset not in (None, "utf-8", "utf8"):
        raise BadBody.one(415, "charset", f"send the body as UTF-8, not {charset[:20]}")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadBody.one(400, "utf8", "the body is not UTF-8 text") from None


def form_values(text: str, ignore: Collection[str] = ()) -> dict[str, str]:
    """An urlencoded form's fields (400 for a repeated field, too many, or bad UTF-8 escapes)."""
    try:
        pairs = parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_FIELDS, errors="strict")
    except UnicodeDecodeError:
        raise BadBody.one(400, "utf8", "the form is not UTF-8 text") from None
    except ValueError:
        raise BadBody.one(400, "too_many_fields", f"the form has more than {MAX_FIELDS} fields") from None
    values: dict[str, str] = {}
    for name, value in pairs:
        if name in values:
            raise BadBody.one(400, "repeated_field", f"{name[:40]}: given more than once")
        if name not in ignore:
            values[name] = value
    return values


def validate_form(model: type[B], values: Mapping[str, str]) -> B:
    """A form's text ``values`` validated into ``model`` as a form's are (see the module)."""
    try:
        return model.model_validate(form_fields(model, values), strict=False, context={FORM: True})
    except ValidationError as exc:
        raise refusal(model, exc, values) from None


def too_large(limit: int) -> BadBody:
    return BadBody.one(413, "too_large", f"the body is too large: at most {limit:,} bytes")


def parse(
    model: type[B],
    raw: bytes,
    content_type: str | None,
    *,
    accept: Collection[str] = (JSON, FORM),
    limit: int = MAX_BODY,
    ignore: Collection[str] = (),
) -> B:
    """``raw`` (sent with ``content_type``) validated into ``model``, or `BadBody`."""
    if len(raw) > limit:
        raise too_large(limit)
    media, charset = _media(content_type)
    text = _decode(raw, charset)
    kind = MEDIA_TYPES.get(media, JSON if media.endswith("+json") else None)
    try:
        if not text.strip():
            return model.model_validate({}, strict=True)
        if kind == JSON and JSON in accept:
            return model.model_validate_json(text, strict=True)
    except ValidationError as exc:
        raise refusal(model, exc) from None
    if kind == FORM and FORM in accept:
        return validate_form(model, form_values(text, ignore))
    wanted = " or ".join({JSON: "JSON (application/json)", FORM: "a form"}[k] for k in accept)
    raise BadBody.one(415, "media_type", f"send {wanted}, not {media or 'no content type'}")


def _declared(length: Any, limit: int) -> None:
    if length is not None and str(length).strip().isdigit() and int(str(length)) > limit:
        raise too_large(limit)


async def read_asgi(request: Any, model: type[B], *, limit: int = MAX_BODY, **options: Any) -> B:
    """The body of a Starlette/FastAPI ``request``, read at most ``limit`` bytes far."""
    _declared(request.headers.get("content-length"), limit)
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > limit:
            raise too_large(limit)
    return parse(model, bytes(raw), request.headers.get("content-type"), limit=limit, **options)


def read_flask(request: Any, model: type[B], *, limit: int = MAX_BODY, **options: Any) -> B:
    """The body of a Flask ``request`` (``MAX_CONTENT_LENGTH`` still applies)."""
    _declared(request.content_length, limit)
    raw = request.get_data(cache=True)
    return parse(model, raw, request.content_type, limit=limit, **options)


def read_django(request: Any, model: type[B], *, limit: int = MAX_BODY, **options: Any) -> B:
    """The body of a Django ``request``; its CSRF token field is left to the middleware. A
    multipart form (what Django's test client posts) is read by Django, files refused."""
    from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
    from django.http.request import RawPostDataException

    _declared(request.META.get("CONTENT_LENGTH"), limit)
    options.setdefault("ignore", (CSRF_FIELD,))
    content_type = request.META.get("CONTENT_TYPE")
    try:
        if _media(content_type)[0] == "multipart/form-data" and FORM in options.get("accept", (JSON, FORM)):
            return validate_form(model, _django_form(request, options["ignore"]))
        raw = request.body
    except RequestDataTooBig:
        raise too_large(limit) from None
    except TooManyFieldsSent:
        raise BadBody.one(400, "too_many_fields", "the form has too many fields") from None
    except RawPostDataException:  # a multipart form Django has parsed already (the CSRF check)
        raise BadBody.one(415, "media_type", "send JSON (application/json), not a multipart form") from None
    return parse(model, raw, content_type, limit=limit, **options)


def _django_form(request: Any, ignore: Collection[str]) -> dict[str, str]:
    if request.FILES:
        raise BadBody.one(415, "media_type", "files are not accepted here")
    values: dict[str, str] = {}
    for name, items in request.POST.lists():
        if len(items) > 1:
            raise BadBody.one(400, "repeated_field", f"{name[:40]}: given more than once")
        if name not in ignore:
            values[name] = items[0]
    return values


def openapi_body(model: type[BaseModel]) -> dict[str, Any]:
    """The ``openapi_extra`` of a FastAPI route that reads ``model`` itself: its JSON schema."""
    schema = {"schema": model.model_json_schema(ref_template="#/components/schemas/{model}")}
    return {"requestBody": {"required": True, "content": {"application/json": schema}}}
