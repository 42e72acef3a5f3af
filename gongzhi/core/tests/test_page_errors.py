"""One way a page shows a refused action or bad input: the include and flash_error."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.template.loader import render_to_string
from django.test import RequestFactory

from gongzhi.core.errors import ApplicationError, NotFound, PermissionDeniedError
from gongzhi.core.page_errors import flash_error, raise_misses

BAD = ApplicationError("invalid_hours", "服务时长应在 0.5 到 24 小时之间。", field="hours")


def render(**context) -> str:
    return render_to_string("includes/action_error.html", context).strip()


def test_nothing_without_an_error():
    assert render() == "" and render(error=None) == ""


def test_the_message_with_its_code_and_field_in_an_alert():
    html = render(error=BAD, inline=True, id="err-hours")
    assert html == ('<p class="field-error" role="alert" id="err-hours" data-code="invalid_hours" data-field="hours">'
                    "服务时长应在 0.5 到 24 小时之间。</p>")
    assert render(error=BAD, alert=True).startswith('<p class="errors alert" role="alert"')
    assert render(error=BAD, extra_class="post-error").startswith('<p class="errors post-error" role="alert"')


def test_a_plain_message_and_a_link_after_it():
    assert render(error="密码错误") == '<p class="errors" role="alert">密码错误</p>'
    html = render(error=BAD, more_url="/casework/7/", more_label="查看已提交的诉求", more_number=7)
    assert html.endswith('之间。 <a href="/casework/7/">查看已提交的诉求 #7</a></p>')
    assert "<script>" not in render(error=ApplicationError("x", "<script>alert(1)</script>"))  # escaped


def _request():
    request = RequestFactory().post("/")
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def test_flash_error_shows_bad_input_and_raises_misses():
    request = _request()
    flash_error(request, BAD)
    assert [str(m) for m in get_messages(request)] == [BAD.message]
    with pytest.raises(NotFound):
        flash_error(_request(), NotFound())
    request = _request()
    flash_error(request, PermissionDeniedError())  # a refusal reads as a message by default…
    assert len(list(get_messages(request))) == 1
    with pytest.raises(PermissionDeniedError):  # …or is the error page where the page says so
        flash_error(_request(), PermissionDeniedError(), page_statuses=(403, 404))
    raise_misses(BAD)  # not a miss: nothing raised
