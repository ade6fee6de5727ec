"""Reference data over the API: detention locations (read-only, staff only).

A partner system asks for facilities on no agreement: 403 on the list and on every record alike.
Access notes (who lets whom in) are for those who record placements or keep the reference data.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from rest_framework import mixins, serializers

from casework.api.base import ApiViewSet, ConditionalRetrieveMixin
from casework.api.filters import UpdatedSinceFilter
from casework.api.pagination import KeysetPagination
from casework.api.persons import WITHHELD_JSON
from casework.models import DetentionLocation
from casework.permissions import is_staff_member, may_see_access_notes


class LocationSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)

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
        if not is_staff_member(request.user):
            raise PermissionDenied

    def offered_to(self, user) -> bool:
        return is_staff_member(user)

    def get_queryset(self):
        return DetentionLocation.objects.visible_to(self.request.user)
