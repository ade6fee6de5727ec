from tests.matrix import LOGIN, Surface, expect


def _counts_only_visible(world, persona, response):
    # The total counts exactly the persons this persona may see.
    from casework.permissions import person_scope

    user = world.personas()[persona]
    assert response.context["total"] == person_scope(user).count()


SURFACES = [
    Surface(
        name="home",
        path=lambda w: "/",
        expect=expect(200, anonymous=LOGIN, partner=LOGIN, partner_without_agreement=LOGIN),
        check=_counts_only_visible,
    ),
    Surface(name="health", path=lambda w: "/health/", expect=expect(200)),
]
