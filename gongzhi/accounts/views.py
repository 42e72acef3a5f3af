from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.core.errors import ApplicationError

from . import actions


def login_view(request: HttpRequest) -> HttpResponse:
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    error = None
    phone = ""
    status = 200
    if request.method == "POST":
        phone = request.POST.get("phone", "").strip()
        password = request.POST.get("password", "")
        if not phone or not password:
            error = _("请输入手机号和密码。")
            status = 400
        else:
            try:
                user = actions.user_authenticate(request=request, phone=phone, password=password)
            except ApplicationError as exc:
                error = exc.message
                status = exc.status
            else:
                login(request, user, backend="gongzhi.accounts.backends.PhoneBackend")
                return redirect(next_url or "core:home")
    return render(
        request, "accounts/login.html", {"error": error, "phone": phone, "next": next_url}, status=status
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("accounts:login")


@login_required
def profile_view(request: HttpRequest) -> HttpResponse:
    new_key = None
    if request.method == "POST":
        try:
            if "revoke" in request.POST:
                actions.api_token_revoke(user=request.user, token_id=int(request.POST["revoke"] or 0))
                messages.success(request, _("令牌已撤销。"))
                return redirect("accounts:profile")
            _token, new_key = actions.api_token_create(user=request.user, name=request.POST.get("name", ""))
        except (ApplicationError, ValueError) as exc:
            messages.error(request, getattr(exc, "message", _("请求无效。")))
            return redirect("accounts:profile")
    tokens = request.user.api_tokens.filter(revoked_at__isnull=True).order_by("-created_at")
    return render(request, "accounts/profile.html", {"tokens": tokens, "new_key": new_key})
