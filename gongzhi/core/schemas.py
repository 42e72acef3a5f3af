"""Shared API schemas: the error body, pages, and the helpers that publish the error contract.

The error contract (docs/api.md): every error answer has the ``Error`` body. An operation
declares the statuses its action can answer with ``errors(400, 403, 409)`` in its
``response={...}``; ``document_errors()`` adds what follows from the operation itself (401 when
it needs a login, 404 when it has a path id, 422 when it takes input) and the description of
each status, naming the codes of the operation's app.
"""

from decimal import Decimal
from typing import Annotated, Any, Generic, TypeVar

from ninja import Field, Schema
from pydantic import WithJsonSchema

from . import error_codes

T = TypeVar("T")


class Error(Schema):
    """The body of every error answer (ApplicationError, 401, 404, 422)."""

    code: str = Field(
        description="Stable code that clients switch on (gongzhi/*/error_codes.py).",
        json_schema_extra=lambda schema: schema.update(enum=error_codes.all_codes()),
    )
    message: str = Field(description="Human-readable, in the request's language (Chinese by default).")
    field: str | None = Field(None, description="The input field at fault, when there is one.")
    details: Any = Field(None, description="Extra data (for 422: the list of schema errors).")


ErrorOut = Error  # the former name


def errors(*statuses: int) -> dict[int, type[Error]]:
    """``response={200: Out, **errors(400, 409)}``: the error statuses an operation's action answers."""
    return {status: Error for status in statuses}


def checked(**constraints: Any) -> Any:
    """A field whose limits the action enforces with its own error code (a 400 with a specific
    ``code`` and ``field``), not pydantic (a generic 422): the limits are published in the schema
    but not checked on parsing. ``checked(max_length=100)``, ``checked(default="", max_length=20)``.
    Keys: max_length, min_length, ge, le, gt, lt, enum, pattern; default and description.
    """
    names = {"max_length": "maxLength", "min_length": "minLength", "ge": "minimum", "le": "maximum",
             "gt": "exclusiveMinimum", "lt": "exclusiveMaximum", "enum": "enum", "pattern": "pattern"}
    default = constraints.pop("default", ...)
    description = constraints.pop("description", None)
    return Field(default, description=description, json_schema_extra={names[k]: v for k, v in constraints.items()})


# A database id is a 64-bit integer: a larger one is refused as invalid input (422) instead of
# overflowing in the database (a 500). Path ids are never negative (the URL converter); 0 in a
# query filter means "no filter". Page numbers are bounded so the offset stays in range.
MAX_ID = 2**63 - 1
MAX_PAGE = 1_000_000
Id = Annotated[int, Field(ge=0, le=MAX_ID)]
PageNumber = Annotated[int, Field(le=MAX_PAGE, description="From 1; a smaller number is page 1.")]
PageSize = Annotated[int, Field(le=MAX_PAGE, description="Clamped to 1..200.")]
MAX_IDS = 1000
IdList = Annotated[list[Id], Field(max_length=MAX_IDS, description=f"At most {MAX_IDS} ids.")]
# A decimal in a request body: a JSON number or a string of one. Pydantic publishes "any string",
# but parses only decimal strings (a 422 for "" or "abc"): the pattern says which strings it parses.
DECIMAL_STRING = r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"
DecimalIn = Annotated[Decimal, WithJsonSchema(
    {"anyOf": [{"type": "number"}, {"type": "string", "pattern": DECIMAL_STRING}]}, mode="validation")]

_STATUS_TEXT = {
    400: "Invalid input refused by the action (`field` names it).",
    401: "Not logged in: no session and no valid bearer token (`unauthenticated`).",
    403: "The object is visible, but this action is refused for the caller.",
    404: "Missing, or not visible to the caller (`not_found`): the two look the same.",
    409: "Conflicts with the object's current state (already done, taken, not allowed now).",
    413: "The body is larger than the server accepts (`request_too_large`).",
    422: "The request does not match this schema (`invalid_input`, `details` lists the errors).",
    429: "Too many attempts; try again later.",
}


def document_errors(schema: dict, *, tag_apps: dict[str, str]) -> dict:
    """Complete the generated OpenAPI: implied error statuses, their descriptions, codes per app.

    ``tag_apps`` maps an operation tag to the app whose codes it answers.
    """
    error_ref = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path_item in schema["paths"].values():
        for operation in path_item.values():
            responses = operation["responses"]
            implied = []
            if operation.get("security"):
                implied.append(401)
            if any(p["in"] == "path" for p in operation.get("parameters", [])):
                implied.append(404)
            if operation.get("parameters") or operation.get("requestBody"):
                implied.append(422)
            if operation.get("requestBody"):
                implied.append(413)
            for status in implied:
                responses.setdefault(status, {"content": error_ref})
            apps = [tag_apps[t] for t in operation.get("tags", []) if t in tag_apps]
            for status, response in responses.items():
                if int(status) >= 400:
                    text = _STATUS_TEXT.get(int(status), "Error.")
                    if int(status) in (400, 403, 409) and apps:
                        text += f" Codes of {', '.join(apps)}: see the tag's description."
                    response["description"] = text
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault("Error", Error.model_json_schema(ref_template="#/components/schemas/{model}"))
    schema["tags"] = [
        {"name": tag, "description": f"Error codes ({app}): "
         + ", ".join(f"`{c}`" for c in error_codes.app_codes(app))}
        for tag, app in tag_apps.items()
    ]
    return schema


class Page(Schema, Generic[T]):
    count: int
    page: int
    page_size: int
    pages: int
    items: list[T]


def paginate_queryset(qs, *, page: int, page_size: int, count: int | None = None) -> dict:
    """Slice a queryset for the API. ``count`` may be given when known cheaper."""
    page_size = max(1, min(page_size, 200))
    page = max(1, page)
    total = qs.count() if count is None else count
    items = list(qs[(page - 1) * page_size : page * page_size])
    return {
        "count": total,
        "page": page,
        "page_size": page_size,
        "pages": max(1, (total + page_size - 1) // page_size),
        "items": items,
    }
