"""Reference data over the API: detention locations (read-only).

Staff read every location; a partner, the places its shared persons are or were at, as far as its
agreements share their placements or whereabouts (the read gate decides: any other location is a
404, like a missing one). Access notes (who lets whom in) are for those who record placements or
keep the reference data: `{"withheld": true}` to everyone else.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import extend_schema_field
from rest_framework import mixins, serializers

from casework.api.base import ApiViewSet, ConditionalRetrieveMixin
from casework.api.filters import UpdatedSinceFilter
from casework.api.pagination import KeysetPagination
from casework.api.persons import WITHHELD_JSON
from casework.models import DetentionLocation
from casework.permissions import is_partner_system, is_staff_member, may_see_access_notes

WITHHELD_TEXT = {
    "oneOf": [
        {"type": "string"},
        {
            "type": "object",
            "properties": {"withheld": {"type": "boolean", "enum": [True]}},
            "required": ["withheld"],
        },
    ]
}


@extend_schema_field(WITHHELD_TEXT)
class TextOrWithheld(serializers.CharField):
    pass


class LocationSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    access_notes = TextOrWithheld(
        help_text='Or {"withheld": true} unless you record placements or keep the places.'
    )

    class Meta:
        model = DetentionLocation
        fields = [
            "id",
            "name",
            "kind",
            "country",
            "governorate",
            "city",
            "controlling_authority",
            "latitude",
            "longitude",
            "reported_population",
            "population_as_of",
            "access_notes",
        ]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not may_see_access_notes(self.context["request"].user):
            data["access_notes"] = WITHHELD_JSON
        return data


class LocationViewSet(mixins.ListModelMixin, ConditionalRetrieveMixin, ApiViewSet):
    serializer_class = LocationSerializer
    pagination_class = KeysetPagination
    filter_backends = [UpdatedSinceFilter]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not (is_staff_member(request.user) or is_partner_system(request.user)):
            raise PermissionDenied

    def offered_to(self, user) -> bool:
        return is_staff_member(user) or is_partner_system(user)

    def get_queryset(self):
        return DetentionLocation.objects.visible_to(self.request.user)
