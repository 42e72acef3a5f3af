from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from .home import sections


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html", {"sections": sections(request)})


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})
