"""The API filters persons with the one `PersonFilterSet` of `casework.filtersets`, told who asks:
a filter or search on a field the caller may not see is dropped, so it changes nothing."""

from django_filters.rest_framework import DjangoFilterBackend

from casework.permissions import may_search_person_names


class PersonFilterBackend(DjangoFilterBackend):
    def get_filterset_class(self, view, queryset=None):
        from casework.filtersets import PersonFilterSet

        return PersonFilterSet

    def get_filterset_kwargs(self, request, queryset, view):
        kwargs = super().get_filterset_kwargs(request, queryset, view)
        data = request.query_params.copy()
        # `search` is the API's usual name for the list's name search (`q`).
        if "search" in data and "q" not in data:
            data["q"] = data["search"]
        data.pop("search", None)
        if not may_search_person_names(request.user):
            data.pop("q", None)
        # The order is the cursor's (stable for paging); an ordering parameter changes nothing.
        data.pop("ordering", None)
        kwargs["data"] = data
        kwargs["user"] = request.user
        return kwargs
