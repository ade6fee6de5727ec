"""What every list page does with its FilterSet: the rows, a page of them, and the query string
the pagination links keep."""

from functools import cached_property

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import QuerySet

PAGE_SIZE = 50
COUNT_LIMIT = 1000


def filtered(filterset) -> tuple[QuerySet, int]:
    """The filtered rows and the HTTP status. An invalid filter value shows nothing and answers
    400 with the form's errors: a filter is never half-applied."""
    if not filterset.is_bound:
        return filterset.queryset, 200
    if not filterset.is_valid():
        return filterset.queryset.none(), 400
    return filterset.qs, 200


class CappedCountPaginator(Paginator):
    """Pages that never count more than COUNT_LIMIT rows.

    Counting every row a user may see (every event of an organisation's audit trail, tens of
    thousands of persons or reports behind a read gate) cost more than showing the page; a list
    then says "more than 1000". Whether a next page exists comes from reading one row more than
    the page shows, so deep pages of a long list still work; a page after the last is empty."""

    def __init__(self, object_list, per_page, count_limit: int = COUNT_LIMIT):
        super().__init__(object_list, per_page)
        self.count_limit = count_limit

    @cached_property
    def count(self) -> int:
        """How many rows, but at most `count_limit` + 1 (then `count_is_exact` is False)."""
        rows = self.object_list[: self.count_limit + 1]
        return rows.count() if isinstance(rows, QuerySet) else len(rows)

    @property
    def count_is_exact(self) -> bool:
        return self.count <= self.count_limit

    @cached_property
    def num_pages(self) -> int | None:
        """None when the rows were not all counted."""
        if not self.count_is_exact:
            return None
        return max(1, -(-self.count // self.per_page))

    def validate_number(self, number) -> int:
        try:
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger("That page number is not an integer") from None
        if number < 1:
            raise EmptyPage("That page number is less than 1")
        return number

    def page(self, number) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        more = len(rows) > self.per_page
        return CappedCountPage(rows[: self.per_page], number, self, more)

    def get_page(self, number) -> Page:
        try:
            return self.page(number)
        except (PageNotAnInteger, EmptyPage):
            return self.page(1)


class CappedCountPage(Page):
    def __init__(self, object_list, number, paginator, more: bool):
        super().__init__(object_list, number, paginator)
        self.more = more

    def has_next(self) -> bool:
        return self.more


class SearchPaginator(CappedCountPaginator):
    """Pages of a search, which runs once: the ids of its best `count_limit` + 1 rows, in the
    search's order, are read in one query, and the count and every page come from them; a page's
    rows are then read by id from `rows` (the gated queryset, without the search).

    A ranked search orders every match by its rank before the first row is known, so reading it
    once for the count and again for the page cost it twice."""

    def __init__(self, object_list, per_page, rows: QuerySet, count_limit: int = COUNT_LIMIT):
        super().__init__(object_list, per_page, count_limit)
        self.rows = rows

    @cached_property
    def ids(self) -> list:
        return list(self.object_list.values_list("pk", flat=True)[: self.count_limit + 1])

    @cached_property
    def count(self) -> int:
        return len(self.ids)

    def page(self, number) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        ids = self.ids[bottom:top]
        found = self.rows.in_bulk(ids) if ids else {}
        rows = [found[pk] for pk in ids if pk in found]
        return CappedCountPage(rows, number, self, top < min(self.count, self.count_limit))


def page_of(request, queryset, *, size: int = PAGE_SIZE, rows: QuerySet | None = None) -> Page:
    """A page of `queryset`; with `rows`, of a search read once (`SearchPaginator`)."""
    if rows is None:
        paginator = CappedCountPaginator(queryset, size, COUNT_LIMIT)
    else:
        paginator = SearchPaginator(queryset, size, rows, COUNT_LIMIT)
    return paginator.get_page(request.GET.get("page"))


def query_without_page(params) -> str:
    query = params.copy()
    query.pop("page", None)
    return query.urlencode()
