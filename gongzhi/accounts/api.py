from django.http import HttpRequest
from ninja import Router, Schema, Status

from gongzhi.core.schemas import Id, checked, errors

from gongzhi.org.permissions import active_assignments, own_resident

from . import actions

router = Router(tags=["auth"])


class RoleOut(Schema):
    id: int
    role: str
    role_label: str
    scope_label: str


class MeOut(Schema):
    id: int
    name: str
    phone: str
    resident_id: int | None
    roles: list[RoleOut]


class TokenIn(Schema):
    name: str = checked(min_length=1, max_length=100)


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    key: str | None = None


@router.get("/me", response=MeOut)
def me(request: HttpRequest):
    user = request.user
    resident = own_resident(user)
    return {
        "id": user.pk,
        "name": user.name,
        "phone": user.phone,
        "resident_id": resident.pk if resident else None,
        "roles": [
            {"id": a.pk, "role": a.role, "role_label": a.get_role_display(), "scope_label": a.scope_label}
            for a in active_assignments(user)
        ],
    }


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
