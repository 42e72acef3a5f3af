import base64
import io
import json

from PIL import Image

from gongzhi.casework.models import Case, CaseEvent
from gongzhi.core.models import AuditEvent
from gongzhi.core.notifications.models import Notification
from gongzhi.testing import kit


def as_user(client, world, role):
    return kit.log_in(client, world.users[role])


def post(client, url, body=None):
    return client.post(url, data=json.dumps(body or {}), content_type="application/json")


def png_bytes(size=(40, 30), color=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


def photo(data: bytes | None = None, name="leak.png") -> dict:
    return {"name": name, "data": base64.b64encode(data if data is not None else png_bytes()).decode()}


snapshot = kit.snapshot_of(
    Case.objects.values_list("pk", "status", "tier", "handler_id", "category_id", "rating"),
    counts=(CaseEvent, Notification, AuditEvent),
)


def submit_as(client, world, role, **body):
    body.setdefault("description", "3栋楼道灯坏了好几天，晚上上下楼很不方便")
    return post(as_user(client, world, role), "/api/casework/cases", body)
