"""Django admin, for superusers. Audit events are read-only there, like everywhere."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from casework import models


@admin.register(models.User)
class CaseworkUserAdmin(UserAdmin):
    fieldsets = (*UserAdmin.fieldsets, ("casework", {"fields": ("organisation", "role")}))
    list_display = ("username", "organisation", "role", "is_active", "is_superuser")
    list_filter = ("role", "organisation", "is_active")


@admin.register(models.AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("at", "actor_label", "action", "object_type", "object_id")
    list_filter = ("action", "object_type")
    search_fields = ("actor_label", "object_id", "request_id")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]


for model in (
    models.Organisation,
    models.Team,
    models.Membership,
    models.SharingAgreement,
    models.DetentionLocation,
    models.RepatriationFlight,
):
    admin.site.register(model)
