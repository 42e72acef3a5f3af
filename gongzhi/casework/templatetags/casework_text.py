"""``{% case_text case text %}``: a request's text as the viewer may read it (phone/ID numbers masked
for roles without the full phone/ID right; ``selectors.case_text``). Escaped like ``{{ text }}``."""

from django import template

from ..selectors import case_text as shown

register = template.Library()


@register.simple_tag(takes_context=True)
def case_text(context, case, text) -> str:
    request = context.get("request")
    return shown(getattr(request, "user", None), case, text)
