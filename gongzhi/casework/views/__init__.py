"""Pages of 有求必应, split by audience: residents, handlers and staff, the case page both share.
The inbox is shared by every app: ``gongzhi.core.notifications``."""
