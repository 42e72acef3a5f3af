from django.contrib import admin
from django.urls import include, path

from .api import api

handler400 = "gongzhi.core.views.bad_request"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("open311/v2/", include("gongzhi.casework.open311.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("gongzhi.accounts.urls")),
    path("", include("gongzhi.casework.rates.urls")),
    path("", include("gongzhi.org.urls")),
    path("", include("gongzhi.casework.fieldwork.urls")),
    path("", include("gongzhi.casework.urls")),
    path("", include("gongzhi.core.notifications.urls")),
    path("", include("gongzhi.core.urls")),
]
