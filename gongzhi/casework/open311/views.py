"""GeoReport v2 endpoints (http://wiki.open311.org/GeoReport_v2), mounted at /open311/v2/.

Each view parses the spec's arguments, calls one selector or action and
renders JSON or XML by the URL's extension. Errors use the spec's body
(``errors``/``error`` with ``code`` and ``description``) and HTTP status: 403
for a missing or bad api_key, 404 for an unknown jurisdiction, service,
request or token, 400 for everything else that cannot be done. Third-party
clients post without a session, so POST is exempt from CSRF; nothing here
reads the session.
"""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from functools import wraps

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from gongzhi.core.errors import ApplicationError, request_too_large
from gongzhi.core.middleware import nul_error, nul_field

from ..models import Case, Category
from . import codes
from . import selectors as q
from .actions import RequestIn, open311_request_submit
from .formats import MIME_TYPES, W3CError, parse_w3c, render, render_errors

# Our field names (from case_submit's errors) → the GeoReport argument the client sent.
PARAMETERS = {
    "household": "address_id",
    "building": "address_id",
    "place": "address_id",
    "community": "jurisdiction_id",
    "category": "service_code",
    "urgency": "attribute[urgency]",
    "reporter_phone": "phone",
}


def _param(request: HttpRequest, name: str) -> str:
    """An argument from the query string or, for POST, the form body."""
    value = request.POST.get(name) if request.method == "POST" else None
    if not value:
        value = request.GET.get(name)
    return (value or "").strip()


def error_response(fmt: str, exc: ApplicationError) -> HttpResponse:
    status = exc.status if exc.status in (403, 404) else 400
    items = exc.details if isinstance(exc.details, list) else [{"field": exc.field, "message": exc.message}]
    descriptions = []
    for item in items:
        name = PARAMETERS.get(item.get("field") or "", item.get("field") or "")
        descriptions.append(f"{name}：{item['message']}" if name else item["message"])
    return render_errors(fmt, status, descriptions)


def endpoint(*methods: str):
    """GeoReport view: method check, ApplicationError → the spec's error body in the requested format."""
    allowed = set(methods) | ({"HEAD"} if "GET" in methods else set())

    def decorator(view):
        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, fmt: str = "xml", **kwargs) -> HttpResponse:
            if request.method not in allowed:
                response = render_errors(fmt, 405, [_("不支持 %(method)s 请求。") % {"method": request.method}])
                response["Allow"] = ", ".join(sorted(allowed))
                return response
            try:
                field = nul_field(request, kwargs)
                if field is not None:
                    raise nul_error(field)
                return view(request, fmt, **kwargs)
            except ApplicationError as exc:
                return error_response(fmt, exc)
            except RequestDataTooBig:
                return render_errors(fmt, 413, [request_too_large().message])

        wrapper.own_input_errors = True  # the NUL check answers in GeoReport's error format (core.middleware)
        return wrapper

    return decorator


@endpoint("GET")
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    base = reverse("open311:discovery", kwargs={"fmt": "xml"}).rsplit("/discovery.xml", 1)[0]
    changeset = q.changeset()
    kind = getattr(settings, "OPEN311_ENDPOINT_TYPE", "test" if settings.DEBUG else "production")
    payload = {
        "changeset": changeset,
        "contact": getattr(settings, "OPEN311_CONTACT", "") or _("请联系所在社区居委会或街道办事处。"),
        "key_service": getattr(settings, "OPEN311_KEY_SERVICE", "") or _(
            "提交诉求需要 api_key：请向平台管理员申请，管理员用 manage.py open311_apikey 名称 创建。"
        ),
        "endpoints": [
            {
                "specification": q.SPECIFICATION,
                "url": request.build_absolute_uri(base),
                "changeset": changeset,
                "type": kind,
                "formats": [MIME_TYPES[f] for f in ("xml", "json")],
            }
        ],
    }
    return render(fmt, "discovery", payload)


@endpoint("GET")
def services(request: HttpRequest, fmt: str) -> HttpResponse:
    community = q.jurisdiction(_param(request, "jurisdiction_id"))
    return render(fmt, "services", [q.service_out(c) for c in q.services(community)])


@endpoint("GET")
def service_definition(request: HttpRequest, fmt: str, service_code: str) -> HttpResponse:
    community = q.jurisdiction(_param(request, "jurisdiction_id"))
    return render(fmt, "service_definition", q.definition_out(q.service(community, service_code)))


@endpoint("GET", "POST")
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _create(request, fmt)
    return _list(request, fmt)


def _create(request: HttpRequest, fmt: str) -> HttpResponse:
    data = RequestIn(**{name: _param(request, name) for name in RequestIn.__dataclass_fields__ if name != "attributes"})
    data.attributes = attribute_answers(request.POST)
    case = open311_request_submit(data=data)
    return render(fmt, "service_requests", [{
        "service_request_id": case.pk,
        "token": str(case.token),
        "service_notice": q.service_notice(case.category, case.urgency),
        "account_id": data.account_id or None,
    }])


_ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")


def attribute_answers(form) -> dict[str, list[str]]:
    """``attribute[code]=v`` and ``attribute[code][]=v1&attribute[code][]=v2`` → {code: [values]} (blanks dropped)."""
    answers: dict[str, list[str]] = {}
    for name, values in form.lists():
        match = _ATTRIBUTE.match(name)
        if match is None:
            continue
        kept = [v.strip() for v in values if v and v.strip()]
        if kept:
            answers.setdefault(match.group(1).strip(), []).extend(kept)
    return answers


def _list(request: HttpRequest, fmt: str) -> HttpResponse:
    community = q.jurisdiction(_param(request, "jurisdiction_id"))
    limit = q.max_requests()
    raw_ids = _param(request, "service_request_id")
    if raw_ids:
        ids = _ids(raw_ids, limit)
        return render(fmt, "service_requests", [q.request_out(c) for c in q.request_list(community, ids=ids)])
    service_codes = _split(_param(request, "service_code"))
    if service_codes:
        known = set(Category.objects.filter(community=community, code__in=service_codes).values_list("code", flat=True))
        unknown = [c for c in service_codes if c not in known]
        if unknown:
            raise ApplicationError(codes.UNKNOWN_SERVICE, _("本社区没有该服务类型：%(codes)s。")
                                   % {"codes": "、".join(unknown)[:200]}, field="service_code", status=404)
    statuses = _split(_param(request, "status"))
    bad = [s for s in statuses if s not in ("open", "closed")]
    if bad:
        raise ApplicationError(codes.INVALID_ARGUMENT, _("status 只能是 open 或 closed（可用逗号分隔）。"),
                               field="status")
    start = _date(request, "start_date")
    end = _date(request, "end_date")
    start, end = q.default_window(start, end, timezone.now())
    if end < start:
        raise ApplicationError(codes.INVALID_ARGUMENT, _("end_date 不能早于 start_date。"), field="end_date")
    if end - start > timedelta(days=q.WINDOW_DAYS):
        raise ApplicationError(codes.INVALID_ARGUMENT, _("start_date 到 end_date 不能超过 %(n)d 天。")
                               % {"n": q.WINDOW_DAYS}, field="end_date")
    cases = q.request_list(community, service_codes=service_codes, start=start, end=end, statuses=statuses)
    return render(fmt, "service_requests", [q.request_out(c) for c in cases])


def _split(raw: str) -> list[str]:
    return list(dict.fromkeys(p.strip() for p in raw.split(",") if p.strip()))


def _ids(raw: str, limit: int) -> list[int]:
    parts = _split(raw)
    if not all(p.isdigit() and len(p) < 19 for p in parts):
        raise ApplicationError(codes.INVALID_ARGUMENT, _("service_request_id 应为编号，多个用逗号分隔。"),
                               field="service_request_id")
    if len(parts) > limit:
        raise ApplicationError(codes.INVALID_ARGUMENT, _("一次最多查询 %(n)d 个编号。") % {"n": limit},
                               field="service_request_id")
    return [int(p) for p in parts]


def _date(request: HttpRequest, name: str):
    raw = _param(request, name)
    if not raw:
        return None
    try:
        return parse_w3c(raw)
    except W3CError as exc:
        if str(exc) == "zone":
            message = _("时间须带时区，例如 2026-11-01T00:00:00+08:00 或 2026-10-31T16:00:00Z。")
        else:
            message = _("日期时间格式应为 W3C 格式，例如 2026-11-01T00:00:00+08:00。")
        raise ApplicationError(codes.INVALID_ARGUMENT, message, field=name) from None


def _optional_jurisdiction(request: HttpRequest):
    """For a single request or token the id already says the community: jurisdiction_id is checked only if given."""
    jurisdiction_id = _param(request, "jurisdiction_id")
    return q.jurisdiction(jurisdiction_id) if jurisdiction_id else None


def _one(community, case_filter: dict, missing: str) -> Case:
    case = q.requests_query(community).filter(**case_filter).first()
    if case is None:
        raise ApplicationError(codes.NOT_FOUND, missing, status=404)
    return case


@endpoint("GET")
def request_detail(request: HttpRequest, fmt: str, request_id: str) -> HttpResponse:
    community = _optional_jurisdiction(request)
    case = _one(community, {"pk": int(request_id)},
                _("未找到该诉求（service_request_id %(id)s）。") % {"id": request_id})
    return render(fmt, "service_requests", [q.request_out(case)])


@endpoint("GET")
def token(request: HttpRequest, fmt: str, token: str) -> HttpResponse:
    community = _optional_jurisdiction(request)
    missing = _("未找到该令牌（token %(token)s）。") % {"token": token[:64]}
    try:
        value = uuid.UUID(token)
    except ValueError:
        raise ApplicationError(codes.NOT_FOUND, missing, status=404) from None
    case = _one(community, {"token": value}, missing)
    return render(fmt, "service_requests", [{"service_request_id": case.pk, "token": str(case.token)}])


@csrf_exempt
def not_found(request: HttpRequest, path: str = "") -> HttpResponse:
    """Anything else under /open311/v2/: the spec's error body, as JSON when the path asks for .json."""
    fmt = "json" if path.endswith(".json") else "xml"
    return render_errors(fmt, 404, [_("没有这个接口：/%(path)s。可用：discovery、services、requests、tokens，"
                                      "以 .xml 或 .json 结尾。") % {"path": path[:100]}])


not_found.own_input_errors = True  # answers in GeoReport's format whatever the path holds
