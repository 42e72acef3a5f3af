from django.http import HttpRequest
from ninja import Router, Schema, Status

from gongzhi.core.schemas import Id, checked, errors

from . import actions

router = Router(tags=["auth"])  # /api/auth (GET /api/auth/me lives in org.api: it lists role assignments)


class TokenIn(Schema):
    name: str = checked(min_length=1, max_length=100)


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    key: str | None = None


@router.post("/tokens", response={201: TokenOut, **errors(400)})
def token_create(request: HttpRequest, payload: TokenIn):
    token, key = actions.api_token_create(user=request.user, name=payload.name)
    return Status(201, {"id": token.pk, "name": token.name, "prefix": token.prefix, "key": key})


@router.delete("/tokens/{token_id}", response={204: None})
def token_revoke(request: HttpRequest, token_id: Id):
    actions.api_token_revoke(user=request.user, token_id=token_id)
    return Status(204, None)


class LoginIn(Schema):
    phone: str
    password: str
    token_name: str = checked(default="API", min_length=1, max_length=100)


@router.post("/login", response={201: TokenOut, **errors(400, 401, 429)}, auth=None)
def token_login(request: HttpRequest, payload: LoginIn):
    """Exchange phone and password for a bearer token (same lockout as the login page)."""
    user = actions.user_authenticate(request=request, phone=payload.phone, password=payload.password)
    token, key = actions.api_token_create(user=user, name=payload.token_name)
    return Status(201, {"id": token.pk, "name": token.name, "prefix": token.prefix, "key": key})
