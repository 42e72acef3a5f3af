"""The one NinjaAPI. Each app contributes a Router; errors share one JSON shape."""

from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError

from gongzhi.accounts.api_auth import API_AUTH
from gongzhi.core.error_codes import CoreError
from gongzhi.core.errors import ApplicationError, request_too_large
from gongzhi.core.schemas import document_errors

# Operation tag -> the app whose error codes it answers (shown in the schema's tag descriptions).
TAG_APPS = {"auth": "accounts", "org": "org", "party": "org", "casework": "casework", "field": "casework",
            "casework-rates": "casework"}


class GongzhiAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation) -> str:
        """``<tag>_<function>`` (e.g. ``field_order_take``): stable when code moves between modules."""
        tag = (operation.tags or ["api"])[0]
        return f"{tag}_{operation.view_func.__name__}".replace("-", "_")

    def get_openapi_schema(self, **kwargs):
        """The generated schema, completed with every error answer (see core.schemas.document_errors)."""
        return document_errors(super().get_openapi_schema(**kwargs), tag_apps=TAG_APPS)


api = GongzhiAPI(
    title="Gongzhi API",
    version="1",
    description="共治：社区共治平台接口。会话（网页登录）或 Bearer 令牌认证；访问范围与网页完全相同。",
    auth=API_AUTH,
    urls_namespace="api",
)


@api.exception_handler(ApplicationError)
def _application_error(request, exc: ApplicationError):
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(RequestDataTooBig)
def _too_large(request, exc):
    error = request_too_large()
    return api.create_response(request, error.as_dict(), status=error.status)


@api.exception_handler(Http404)
def _not_found(request, exc):
    return api.create_response(request, {"code": CoreError.NOT_FOUND, "message": "对象不存在或无权访问"}, status=404)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return api.create_response(request, {"code": CoreError.UNAUTHENTICATED, "message": "请先登录或提供有效令牌"}, status=401)


@api.exception_handler(ValidationError)
def _invalid(request, exc: ValidationError):
    return api.create_response(
        request, {"code": CoreError.INVALID_INPUT, "message": "请求参数无效", "details": exc.errors}, status=422
    )


def _register_routers() -> None:
    from gongzhi.accounts.api import router as accounts_router
    from gongzhi.casework.api import router as casework_router
    from gongzhi.org.api import me_router
    from gongzhi.org.api import router as org_router
    from gongzhi.org.party.api import router as party_router

    api.add_router("/auth", accounts_router)
    api.add_router("/auth", me_router)  # GET /api/auth/me (roles are org's)
    api.add_router("/org", org_router)
    api.add_router("/party", party_router)
    api.add_router("/casework", casework_router)
    api.add_router("/inbox", "gongzhi.core.notifications.api.router")  # the shared inbox
    api.add_router("/field", "gongzhi.casework.fieldwork.api.router")  # services, mediation, patrols
    api.add_router("/casework", "gongzhi.casework.rates.api.router")  # /casework/rates, /casework/ping


_register_routers()
