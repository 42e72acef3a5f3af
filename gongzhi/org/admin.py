"""The org app in Django admin: for looking things up, read-only.

Every write to the tree, residents, tags, ownership, role assignments and party data goes through an
action (scope check, validation, audit event); an admin form would bypass all three. Operators change
data in the app's pages or API (``/api/docs``), or with the management commands.
"""

from django.contrib import admin

from gongzhi.core.admin import ReadOnlyAdmin, ReadOnlyInline

from . import models as m


@admin.register(m.Region)
class RegionAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "code"]
    search_fields = ["name", "code"]


@admin.register(m.Compound)
class CompoundAdmin(ReadOnlyAdmin):
    list_display = ["name", "community", "property_company"]
    list_filter = ["community"]
    search_fields = ["name"]


class UnitInline(ReadOnlyInline):
    model = m.Unit


@admin.register(m.Building)
class BuildingAdmin(ReadOnlyAdmin):
    list_display = ["name", "compound", "grid", "community", "floors"]
    list_filter = ["community", "grid"]
    search_fields = ["name", "compound__name"]
    list_select_related = ["compound", "grid", "community"]
    inlines = [UnitInline]


@admin.register(m.Unit)
class UnitAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "building"]
    search_fields = ["building__name"]
    raw_id_fields = ["building"]


class OccupancyInline(ReadOnlyInline):
    model = m.Occupancy
    raw_id_fields = ["resident", "household"]


@admin.register(m.Household)
class HouseholdAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "compound", "floor", "area", "use", "occupancy"]
    list_filter = ["community", "use", "occupancy"]
    search_fields = ["room", "building__name"]
    raw_id_fields = ["building", "unit", "compound", "grid", "community"]
    list_select_related = ["unit", "building", "compound"]
    inlines = [OccupancyInline]


class ResidentTagInline(ReadOnlyInline):
    model = m.ResidentTag


@admin.register(m.Resident)
class ResidentAdmin(ReadOnlyAdmin):
    list_display = ["name", "community", "gender", "is_active"]
    list_filter = ["community", "is_active"]
    search_fields = ["name"]
    raw_id_fields = ["user", "community"]
    inlines = [ResidentTagInline, OccupancyInline]
    exclude = ["households"]


@admin.register(m.Occupancy)
class OccupancyAdmin(ReadOnlyAdmin):
    list_display = ["resident", "household", "relation", "share"]
    raw_id_fields = ["resident", "household"]


class StewardHouseholdInline(ReadOnlyInline):
    model = m.StewardHousehold
    raw_id_fields = ["household"]


@admin.register(m.RoleAssignment)
class RoleAssignmentAdmin(ReadOnlyAdmin):
    list_display = ["user", "role", "scope_label", "community", "created_at", "revoked_at"]
    list_filter = ["role", "community"]
    search_fields = ["user__name", "user__phone"]
    raw_id_fields = ["user", "region", "compound", "building", "unit", "community", "granted_by"]
    inlines = [StewardHouseholdInline]


@admin.register(m.PartyOrg)
class PartyOrgAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "community", "parent"]
    list_filter = ["kind", "community"]
    search_fields = ["name"]
    raw_id_fields = ["parent", "grid", "compound", "building"]


@admin.register(m.Institution)
class InstitutionAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "community", "is_partner", "partner_since"]
    list_filter = ["kind", "is_partner", "community"]
    search_fields = ["name"]


@admin.register(m.PartyMember)
class PartyMemberAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "kind", "employer", "community"]
    list_filter = ["kind", "community"]
    search_fields = ["resident__name"]
    raw_id_fields = ["resident", "employer"]


@admin.register(m.PartyRegistration)
class PartyRegistrationAdmin(ReadOnlyAdmin):
    list_display = ["member", "party_group", "method", "registered_at", "ended_at"]
    list_filter = ["method", "community"]
    raw_id_fields = ["member", "party_group", "building", "registered_by"]


@admin.register(m.ServicePost)
class ServicePostAdmin(ReadOnlyAdmin):
    list_display = ["title", "category", "community", "slots", "status"]
    list_filter = ["category", "status", "community"]
    search_fields = ["title"]


@admin.register(m.PostClaim)
class PostClaimAdmin(ReadOnlyAdmin):
    list_display = ["post", "member", "status", "claimed_at"]
    list_filter = ["status"]
    raw_id_fields = ["post", "member"]


@admin.register(m.ServiceRecord)
class ServiceRecordAdmin(ReadOnlyAdmin):
    list_display = ["claim", "served_on", "hours", "recorded_by"]
    raw_id_fields = ["claim", "recorded_by"]


@admin.register(m.RosterImport)
class RosterImportAdmin(ReadOnlyAdmin):
    list_display = ["filename", "community", "status", "processed_rows", "total_rows", "created_at"]
    list_filter = ["status"]
    readonly_fields = ["errors", "summary"]
