from django.contrib import admin

from .models import AuditEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    """For data that only actions write (so every change is checked and audited): the admin may look,
    never add, change or delete. Edits happen in the app's pages or API, which call the actions."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """Read-only: audit events are append-only."""

    list_display = ["created_at", "actor", "action", "target_label", "community"]
    list_filter = ["action"]
    search_fields = ["target_label", "action", "actor__phone"]
    date_hierarchy = "created_at"
    list_select_related = ["actor", "community"]
