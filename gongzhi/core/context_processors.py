from .navigation import nav_entries


def navigation(request):
    return {"nav_items": nav_entries(request) if hasattr(request, "user") else []}
