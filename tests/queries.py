"""The queries a request itself ran, as a test counts them.

On SQLite the app reads the head of the audit chain it appends an event to; on PostgreSQL the
chain's trigger does that inside the INSERT. That read is the database's way of chaining, not the
page's own query: counting it would make a page's budget differ between the two databases."""

CHAIN_HEAD_READ = '"chain_hash" FROM "casework_auditevent"'


def is_own(sql: str) -> bool:
    """Whether a statement is the request's own, not the chain-head read."""
    return CHAIN_HEAD_READ not in sql


def own_queries(captured) -> list[dict]:
    """The captured queries (a CaptureQueriesContext) without the chain-head reads."""
    return [q for q in captured if is_own(q["sql"])]
