"""What every list page does with its FilterSet: the rows, a page of them, and the query string
the pagination links keep."""

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

PAGE_SIZE = 50


def filtered(filterset) -> tuple[QuerySet, int]:
    """The filtered rows and the HTTP status. An invalid filter value shows nothing and answers
    400 with the form's errors: a filter is never half-applied."""
    if not filterset.is_bound:
        return filterset.queryset, 200
    if not filterset.is_valid():
        return filterset.queryset.none(), 400
    return filterset.qs, 200


def page_of(request, queryset, *, size: int = PAGE_SIZE) -> Page:
    return Paginator(queryset, size).get_page(request.GET.get("page"))


def query_without_page(params) -> str:
    query = params.copy()
    query.pop("page", None)
    return query.urlencode()
