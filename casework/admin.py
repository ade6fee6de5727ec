"""Django admin, for superusers only, behind the second factor (SecondFactorRequiredMiddleware).

A staff flag or model permissions are not enough: the whole site, and each model on it, opens to
active superusers alone. Every change made here is written to the audit trail (field names, never
values), like a change made through the services. Audit events are read-only here, like
everywhere; so is all case data (persons, names, relatives, notes, tasks, placements, legal
proceedings, flights and manifests, reports, lists, suggestions, shares): it changes only through
the services, which check who may, follow the workflow and keep derived fields and name keys in
step; a superuser has no way around them. The administration of accounts, organisations,
agreements and reference data stays editable here, audited.

Foreign keys to persons (and to other tables that grow with them) are raw ids, not drop-downs.
"""

import uuid
from functools import reduce
from operator import or_

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin
from django.db.models import Q, UUIDField
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from casework import audit, models
from casework.audit import AuditAction
from casework.classification import FIELDS, Sens
from casework.services import accounts
from casework.services.errors import ServiceError

ADMIN_REASON = "Django admin"


def _superuser(request) -> bool:
    user = request.user
    return user.is_active and user.is_superuser


# The whole site, including the models other apps register here (second-factor devices, login
# attempts, groups): superusers only.
admin.site.has_permission = _superuser


class SuperusersOnly:
    """Permissions on a model admin or inline: superusers, whatever a user's model permissions."""

    def has_module_permission(self, request):
        return _superuser(request)

    def has_view_permission(self, request, obj=None):
        return _superuser(request)

    def has_add_permission(self, request, *args):
        return _superuser(request)

    def has_change_permission(self, request, obj=None):
        return _superuser(request)

    def has_delete_permission(self, request, obj=None):
        return _superuser(request)


class AuditedAdmin(SuperusersOnly, admin.ModelAdmin):
    """Superusers only; each save and delete, of the object and of its inlines, is audited."""

    show_full_result_count = False  # one COUNT per list, not two, on tables of 100,000 rows

    def get_search_results(self, request, queryset, search_term):
        # A UUID finds the record by its public id (or another UUID it holds), or the records of
        # the person with that public id: by index, instead of a text search for it.
        try:
            value = uuid.UUID(search_term.strip())
        except ValueError:
            return super().get_search_results(request, queryset, search_term)
        fields = self.model._meta.concrete_fields
        lookups = [f.name for f in fields if isinstance(f, UUIDField)]
        lookups += [f"{f.name}__public_id" for f in fields if f.related_model is models.Person]
        if not lookups:
            return super().get_search_results(request, queryset, search_term)
        return queryset.filter(reduce(or_, (Q(**{lookup: value}) for lookup in lookups))), False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # A superuser sees every field here: opening a record with sensitive or restricted
        # fields is a read like any other, on the trail.
        response = super().change_view(request, object_id, form_url, extra_context)
        shown = (getattr(response, "context_data", None) or {}).get("original")
        if request.method == "GET" and response.status_code == 200 and shown is not None:
            _record_read(request, shown)  # the record the page rendered, not fetched again
        return response

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        rows = getattr(response, "context_data", None) or {}
        changelist = rows.get("cl")
        if request.method == "GET" and changelist is not None:
            _record_list_read(request, self.model, list(changelist.result_list))
        return response

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        action = AuditAction.UPDATE if change else AuditAction.CREATE
        fields = form.changed_data if change else list(form.fields)
        _record(request, action, obj, fields)

    def delete_model(self, request, obj):
        _record(request, AuditAction.DELETE, obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            _record(request, AuditAction.DELETE, obj)
        super().delete_queryset(request, queryset)

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        for obj in formset.new_objects:
            _record(request, AuditAction.CREATE, obj, list(formset.form.base_fields))
        for obj, fields in formset.changed_objects:
            _record(request, AuditAction.UPDATE, obj, fields)
        for obj in formset.deleted_objects:
            _record(request, AuditAction.DELETE, obj)


def _classified(model) -> dict:
    return FIELDS.get(model._meta.object_name, {})


def _record_read(request, obj) -> None:
    marks = _classified(type(obj))
    fields = sorted(f for f, mark in marks.items() if mark in (Sens.SENSITIVE, Sens.RESTRICTED))
    if not fields:
        return
    restricted = any(marks[f] == Sens.RESTRICTED for f in fields)
    action = AuditAction.READ_RESTRICTED if restricted else AuditAction.READ_SENSITIVE
    audit.record(request.user, action, obj, fields=fields, changes={"via": "admin"})


def _record_list_read(request, model, shown) -> None:
    # One event per list page, naming the records listed: the list shows their columns.
    marks = _classified(model)
    if not shown or not any(m in (Sens.SENSITIVE, Sens.RESTRICTED) for m in marks.values()):
        return
    ids = [str(obj.public_id) for obj in shown if getattr(obj, "public_id", None)]
    audit.record(
        request.user,
        AuditAction.READ_SENSITIVE,
        None,
        changes={"via": "admin", "model": model._meta.object_name, "records": ids},
    )


def _record(request, action, obj, fields=()):
    audit.record(
        request.user, action, obj, fields=fields, changes={"via": "admin"}, reason=ADMIN_REASON
    )


class ReadOnly:
    """Shown, never written here (before SuperusersOnly in the bases, so that it wins)."""

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(ReadOnly, AuditedAdmin):
    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]


class Inline(SuperusersOnly, admin.TabularInline):
    extra = 0
    show_change_link = True


class ReadOnlyInline(ReadOnly, Inline):
    def get_readonly_fields(self, request, obj=None):
        return list(self.fields or [f.name for f in self.model._meta.fields])


# --- organisations and accounts ----------------------------------------------------------------


@admin.register(models.User)
class CaseworkUserAdmin(AuditedAdmin, UserAdmin):
    fieldsets = (*UserAdmin.fieldsets, ("casework", {"fields": ("organisation", "role")}))
    add_fieldsets = (*UserAdmin.add_fieldsets, ("casework", {"fields": ("organisation", "role")}))
    list_display = ("username", "organisation", "role", "is_active", "is_superuser")
    list_filter = ("role", "organisation", "is_active")
    list_select_related = ("organisation",)

    def user_change_password(self, request, id, form_url=""):
        """A password set here goes through the account service: audited, and every session and
        token of the user ends (Django's own view would leave them running, unrecorded)."""
        user = self.get_object(request, unquote(id))
        allowed = user is not None and self.has_change_permission(request, user)
        if request.method != "POST" or not allowed:
            return super().user_change_password(request, id, form_url)
        form = self.change_password_form(user, request.POST)
        if not form.is_valid():
            return super().user_change_password(request, id, form_url)
        try:
            if form.cleaned_data.get("set_usable_password", True):
                accounts.user_change_password(
                    actor=request.user, user=user, new_password=form.cleaned_data["password1"]
                )
            else:
                accounts.user_disable_password(actor=request.user, user=user)
        except ServiceError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return redirect(request.get_full_path())
        messages.success(request, _("Password changed; the user's sessions and tokens ended."))
        return redirect("admin:casework_user_change", user.pk)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is None:
            # Added here, an account is no superuser, so it belongs to an organisation (the
            # database insists: user_has_organisation_unless_superuser).
            form.base_fields["organisation"].required = True
        return form


# Second-factor devices: their keys are never shown and no device is made here (an administrator
# who could set a user's key could log in as them). A lost phone is handled by deleting the
# device (audited); the user then enrols a new one after the password.
for _device_model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_device_model):
        admin.site.unregister(_device_model)


class SecondFactorDeviceAdmin(AuditedAdmin):
    list_display = ("user", "name", "confirmed")
    list_filter = ("confirmed",)
    list_select_related = ("user",)
    search_fields = ("user__username",)
    fields = ("user", "name", "confirmed")
    readonly_fields = fields

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False


admin.site.register(TOTPDevice, SecondFactorDeviceAdmin)
admin.site.register(StaticDevice, SecondFactorDeviceAdmin)


@admin.register(models.Organisation)
class OrganisationAdmin(AuditedAdmin):
    list_display = ("name", "slug", "is_partner_only", "caseworkers_may_break_glass")
    list_filter = ("is_partner_only",)
    search_fields = ("name", "slug")


@admin.register(models.Team)
class TeamAdmin(AuditedAdmin):
    list_display = ("name", "organisation")
    list_filter = ("organisation",)
    list_select_related = ("organisation",)
    search_fields = ("name",)


@admin.register(models.Membership)
class MembershipAdmin(AuditedAdmin):
    list_display = ("user", "team")
    list_filter = ("team__organisation",)
    list_select_related = ("user", "team__organisation")
    search_fields = ("user__username", "team__name")


class SharedCaseInline(ReadOnlyInline):
    # Shared and unshared only through the sharing service (a supervisor, on the person's page):
    # it holds to the agreement owner's own, non-protected persons.
    model = models.SharedCase
    fields = ("person", "shared_at")


@admin.register(models.SharingAgreement)
class SharingAgreementAdmin(AuditedAdmin):
    list_display = ("title", "owner", "partner", "valid_from", "valid_until", "revoked_at")
    list_filter = ("owner", "partner")
    list_select_related = ("owner", "partner")
    search_fields = ("title",)
    inlines = [SharedCaseInline]


@admin.register(models.SharedCase)
class SharedCaseAdmin(ReadOnlyAdmin):
    list_display = ("agreement", "person", "shared_at")
    list_filter = ("agreement",)
    list_select_related = ("agreement", "person")
    raw_id_fields = ("person",)
    search_fields = ("person__display_name", "agreement__title")


@admin.register(models.PartnerToken)
class PartnerTokenAdmin(AuditedAdmin):
    """Issued by `manage.py issue_partner_token`, which shows the key once; here only revoked."""

    list_display = ("name", "prefix", "user", "expires_at", "revoked_at", "last_used_at")
    list_filter = ("user__organisation",)
    list_select_related = ("user",)
    search_fields = ("name", "prefix", "user__username")

    def has_add_permission(self, request, *args):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name != "revoked_at"]


@admin.register(models.BreakGlassGrant)
class BreakGlassGrantAdmin(AuditedAdmin):
    list_display = ("user", "person", "created_at", "expires_at", "revoked_at")
    list_select_related = ("user", "person")
    raw_id_fields = ("person",)
    search_fields = ("user__username", "person__display_name")


@admin.register(models.IdempotencyRecord)
class IdempotencyRecordAdmin(ReadOnlyAdmin):
    list_display = ("user", "key", "method", "path", "status_code", "created_at")
    list_select_related = ("user",)
    search_fields = ("key", "path", "user__username")


@admin.register(models.AgreementFeedState)
class AgreementFeedStateAdmin(ReadOnlyAdmin):
    list_display = ("agreement", "in_force")
    list_select_related = ("agreement",)


@admin.register(models.ChangeOutbox)
class ChangeOutboxAdmin(ReadOnlyAdmin):
    list_display = ("partner", "person_public_id", "kind", "created_at")
    list_filter = ("partner", "kind")
    list_select_related = ("partner",)
    search_fields = ("person_public_id",)


@admin.register(models.AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor_label", "action", "object_type", "object_id")
    list_filter = ("action", "object_type")
    search_fields = ("actor_label", "object_id", "request_id")


@admin.register(models.AuditEventSubject)
class AuditEventSubjectAdmin(ReadOnlyAdmin):
    list_display = ("event", "person_id")
    list_select_related = ("event",)
    search_fields = ("person_id",)


# --- persons -----------------------------------------------------------------------------------


class PersonNameInline(ReadOnlyInline):
    model = models.PersonName
    fields = (
        "family_name",
        "given_name",
        "patronymic",
        "full_text",
        "script",
        "kind",
        "source",
        "is_primary",
    )


@admin.register(models.Person)
class PersonAdmin(ReadOnlyAdmin):
    list_display = ("display_name", "public_id", "organisation", "team", "status", "sensitivity")
    list_filter = ("status", "sensitivity", "sex", "organisation")
    list_select_related = ("organisation", "team__organisation")
    search_fields = ("display_name", "names__family_name", "names__given_name", "names__full_text")
    raw_id_fields = ("merged_into",)
    readonly_fields = ("public_id", "display_name", "version", "status_changed_at")
    inlines = [PersonNameInline]


@admin.register(models.PersonName)
class PersonNameAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "person", "script", "kind", "is_primary")
    list_filter = ("script", "kind", "is_primary")
    list_select_related = ("person",)
    raw_id_fields = ("person",)
    search_fields = ("family_name", "given_name", "full_text")


@admin.register(models.NameKey)
class NameKeyAdmin(ReadOnlyAdmin):
    """Derived from the names (and parents' names) by the services: never edited by hand."""

    list_display = ("key", "kind", "person")
    list_filter = ("kind",)
    list_select_related = ("person",)
    search_fields = ("=key",)


@admin.register(models.Relationship)
class RelationshipAdmin(ReadOnlyAdmin):
    list_display = ("from_person", "kind", "to_person", "confidence")
    list_filter = ("kind", "confidence")
    list_select_related = ("from_person", "to_person")
    raw_id_fields = ("from_person", "to_person")
    search_fields = ("from_person__display_name", "to_person__display_name")


@admin.register(models.CaseNote)
class CaseNoteAdmin(ReadOnlyAdmin):
    list_display = ("person", "author", "is_security_note", "created_at")
    list_filter = ("is_security_note",)
    list_select_related = ("person", "author")
    raw_id_fields = ("person",)
    search_fields = ("person__display_name",)


@admin.register(models.CaseTask)
class CaseTaskAdmin(ReadOnlyAdmin):
    list_display = ("title", "person", "assigned_to", "due_on", "done_at")
    list_select_related = ("person", "assigned_to")
    raw_id_fields = ("person",)
    search_fields = ("title", "person__display_name")


# --- places and proceedings --------------------------------------------------------------------


@admin.register(models.DetentionLocation)
class DetentionLocationAdmin(AuditedAdmin):
    list_display = ("name", "kind", "country", "governorate", "controlling_authority")
    list_filter = ("kind", "country")
    search_fields = ("name", "city", "governorate")


@admin.register(models.PopulationReport)
class PopulationReportAdmin(ReadOnlyAdmin):
    """Recorded through the places registry's service (it keeps the place's figure in step)."""

    list_display = ("location", "as_of", "estimate", "low", "high", "source")
    list_select_related = ("location",)
    raw_id_fields = ("location", "recorded_by")
    search_fields = ("location__name", "source")


@admin.register(models.PlaceAlias)
class PlaceAliasAdmin(ReadOnlyAdmin):
    """Added through the places registry's service, which derives the matching key."""

    list_display = ("name", "location")
    list_select_related = ("location",)
    raw_id_fields = ("location",)
    search_fields = ("name", "location__name")


@admin.register(models.PlaceName)
class PlaceNameAdmin(ReadOnlyAdmin):
    list_display = ("name", "organisation", "times_seen", "status", "location")
    list_filter = ("status", "organisation")
    list_select_related = ("organisation", "location")
    raw_id_fields = ("organisation", "suggested", "location", "decided_by")
    search_fields = ("name",)


@admin.register(models.Placement)
class PlacementAdmin(ReadOnlyAdmin):
    list_display = ("person", "location", "place_text", "start_date", "end_date", "reliability")
    list_filter = ("reliability", "source", "is_sighting", "location__country")
    list_select_related = ("person", "location")
    raw_id_fields = ("person", "location")
    search_fields = ("person__display_name", "place_text", "location__name")
    date_hierarchy = "start_date"


@admin.register(models.LegalProceeding)
class LegalProceedingAdmin(ReadOnlyAdmin):
    list_display = ("person", "country", "charge", "status", "started_on")
    list_filter = ("status", "country")
    list_select_related = ("person",)
    raw_id_fields = ("person",)
    search_fields = ("person__display_name", "charge", "court")


# --- flights -----------------------------------------------------------------------------------


class ManifestEntryInline(ReadOnlyInline):
    model = models.ManifestEntry
    raw_id_fields = ("person",)
    fields = ("role", "person", "escort_name", "status", "approved_by", "note")


@admin.register(models.RepatriationFlight)
class RepatriationFlightAdmin(ReadOnlyAdmin):
    list_display = ("reference", "organisation", "date", "origin", "destination", "status")
    list_filter = ("status", "organisation")
    list_select_related = ("organisation",)
    search_fields = ("reference", "origin", "destination")
    date_hierarchy = "date"
    inlines = [ManifestEntryInline]


@admin.register(models.ManifestEntry)
class ManifestEntryAdmin(ReadOnlyAdmin):
    list_display = ("flight", "role", "person", "escort_name", "status")
    list_filter = ("status", "role", "flight__organisation")
    list_select_related = ("flight", "person")
    raw_id_fields = ("flight", "person")
    search_fields = ("person__display_name", "escort_name", "flight__reference")


@admin.register(models.Handover)
class HandoverAdmin(ReadOnlyAdmin):
    list_display = ("manifest_entry", "recipient_kind", "recipient_name", "handed_at")
    list_filter = ("recipient_kind",)
    list_select_related = ("manifest_entry__flight", "manifest_entry__person")
    raw_id_fields = ("manifest_entry", "recipient_person")
    search_fields = ("recipient_name", "manifest_entry__person__display_name")


# --- reports -----------------------------------------------------------------------------------


class ReportEntryInline(ReadOnlyInline):
    model = models.ReportEntry
    raw_id_fields = ("person",)
    fields = (
        "position",
        "family_name",
        "given_name",
        "patronymic",
        "full_name",
        "aliases",
        "sex",
        "birth_date",
        "birth_precision",
        "age_stated",
        "outcome",
        "person",
    )


class ReportConsentInline(ReadOnlyInline):
    model = models.ReportConsent
    fields = ("purpose", "partner", "given", "recorded_at")
    readonly_fields = ("recorded_at",)
    show_change_link = False


class ReportAttachmentInline(ReadOnlyInline):
    model = models.ReportAttachment
    fields = ("kind", "content_type", "size", "sha256", "created_at")


class ReportFollowUpInline(ReadOnlyInline):
    # What the family added through the status page: kept as they sent it, never edited.
    model = models.ReportFollowUp
    fields = ("received_at", "text", "entries_added", "attachments_added")


@admin.register(models.FamilyReport)
class FamilyReportAdmin(ReadOnlyAdmin):
    list_display = ("reference", "organisation", "channel", "status", "received_at")
    list_filter = ("status", "channel", "organisation")
    list_select_related = ("organisation",)
    search_fields = ("=reference", "reporter_name")
    readonly_fields = ("public_id", "secret_hash", "submission_key")
    date_hierarchy = "received_at"
    inlines = [
        ReportEntryInline,
        ReportConsentInline,
        ReportAttachmentInline,
        ReportFollowUpInline,
    ]


@admin.register(models.ReportEntry)
class ReportEntryAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "report", "position", "outcome", "person")
    list_filter = ("outcome",)
    list_select_related = ("report", "person")
    raw_id_fields = ("report", "person")
    search_fields = ("family_name", "given_name", "full_name", "aliases", "=report__reference")


@admin.register(models.ReportFollowUp)
class ReportFollowUpAdmin(ReadOnlyAdmin):
    list_display = ("report", "received_at", "entries_added", "attachments_added")
    list_select_related = ("report",)
    search_fields = ("=report__reference",)


@admin.register(models.ReportConsent)
class ReportConsentAdmin(ReadOnlyAdmin):
    list_display = ("report", "purpose", "partner", "given", "recorded_at")
    list_filter = ("purpose", "given")
    list_select_related = ("report", "partner")
    raw_id_fields = ("report",)
    search_fields = ("=report__reference",)


@admin.register(models.ReportAttachment)
class ReportAttachmentAdmin(ReadOnlyAdmin):
    """Files come only through the upload service, which strips what the sender's file carried."""

    list_display = ("report", "kind", "content_type", "size", "created_at")
    list_filter = ("kind",)
    list_select_related = ("report",)
    raw_id_fields = ("report",)
    search_fields = ("=report__reference", "sha256")


# --- lists and matching ------------------------------------------------------------------------


@admin.register(models.ListImport)
class ListImportAdmin(ReadOnlyAdmin):
    list_display = ("source", "organisation", "as_of", "status", "row_count", "created_at")
    list_filter = ("status", "organisation")
    list_select_related = ("organisation",)
    search_fields = ("source", "original_filename", "sha256")


@admin.register(models.ListImportRow)
class ListImportRowAdmin(ReadOnlyAdmin):
    list_display = ("list_import", "row_number", "record_id", "outcome", "person")
    list_filter = ("outcome",)
    list_select_related = ("list_import", "person")
    raw_id_fields = ("list_import", "person")
    search_fields = ("record_id", "person__display_name")


@admin.register(models.MatchSuggestion)
class MatchSuggestionAdmin(ReadOnlyAdmin):
    list_display = ("person", "kind", "other_person", "probability", "decision", "decided_by")
    list_filter = ("decision", "kind", "organisation")
    list_select_related = ("person", "other_person", "decided_by")
    raw_id_fields = ("person", "other_person", "list_row", "report_entry")
    search_fields = ("person__display_name", "other_person__display_name")


@admin.register(models.BackgroundJob)
class BackgroundJobAdmin(ReadOnlyAdmin):
    """Started, run and finished by the job service (`services.jobs`); never edited here. The
    result file is not offered: it is downloaded from the job's page, where the download is
    audited."""

    list_display = ("kind", "organisation", "requested_by", "state", "created_at", "finished_at")
    list_filter = ("kind", "state", "organisation")
    list_select_related = ("organisation", "requested_by")
    exclude = ("result_file", "parameters")


@admin.register(models.SuggestionOpinion)
class SuggestionOpinionAdmin(ReadOnlyAdmin):
    """Given by partners through the API (`services.match_opinions`); never edited here."""

    list_display = ("suggestion", "partner", "opinion", "given_by", "updated_at")
    list_filter = ("opinion", "partner")
    list_select_related = ("suggestion", "partner", "given_by")
    raw_id_fields = ("suggestion",)


@admin.register(models.PersonMerge)
class PersonMergeAdmin(ReadOnlyAdmin):
    """Merged and undone in the application, which moves the records back; never edited here."""

    list_display = ("survivor", "absorbed", "performed_by", "created_at", "undone_at")
    list_select_related = ("survivor", "absorbed", "performed_by")
    search_fields = ("survivor__display_name", "absorbed__display_name")
