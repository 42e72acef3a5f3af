from typing import Any, Generic, TypeVar

from ninja import Schema

T = TypeVar("T")


class ErrorOut(Schema):
    code: str
    message: str
    field: str | None = None
    details: Any = None


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
