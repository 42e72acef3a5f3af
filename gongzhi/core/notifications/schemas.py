from datetime import datetime

from ninja import Schema


class NotificationOut(Schema):
    id: int
    source: str
    kind: str
    subject: str
    title: str
    body: str
    url: str
    created_at: datetime
    read: bool

