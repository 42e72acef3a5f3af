from django.core.paginator import Paginator
from django.http import QueryDict


def paginate(request, queryset, *, per_page: int = 30):
    """Return (page, query_prefix) where query_prefix keeps the other GET params."""
    paginator = Paginator(queryset, per_page)
    page = paginator.get_page(request.GET.get("page"))
    params: QueryDict = request.GET.copy()
    params.pop("page", None)
    prefix = params.urlencode()
    return page, (prefix + "&") if prefix else ""
