"""The home page counts exactly the persons each persona may see; the health check is public."""

from tests.matrix import PAGES, Surface, expect

# How many persons each persona may see: case_a, case_b and protected_a are north's.
TOTALS = {"caseworker": 1, "other_team_caseworker": 1, "intake": 2, "supervisor": 3, "dpo": 2,
          "admin": 0}  # fmt: skip


def _counts_only_visible(world, persona, response):
    assert response.context["total"] == TOTALS[persona]
    waiting = response.context["reports_waiting"]
    assert waiting is None or (waiting.count, waiting.more) == (0, False)


SURFACES = [
    Surface(
        name="home",
        path=lambda w: "/",
        expect=expect(200, **PAGES),
        check=_counts_only_visible,
    ),
    Surface(
        name="home",
        method="POST",
        path=lambda w: "/",
        data=lambda w: {},
        expect=expect(200, **PAGES),
        check=_counts_only_visible,
    ),
    Surface(name="health", path=lambda w: "/health/", expect=expect(200)),
]
