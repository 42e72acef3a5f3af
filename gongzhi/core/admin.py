from django.contrib import admin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: audit events are append-only."""

    list_display = ["created_at", "actor", "action", "target_label", "community"]
    list_filter = ["action"]
    search_fields = ["target_label", "action", "actor__phone"]
    date_hierarchy = "created_at"
    list_select_related = ["actor", "community"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
