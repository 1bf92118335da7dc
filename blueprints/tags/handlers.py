"""Route of /api/tags: the caller's tags with how many transactions carry each and their total."""

from shared.schemas.rules import TagOut, TagQuery
from shared.services import tags
from shared.web.auth import authenticated
from shared.web.http import Context, page_of
from shared.web.routes import ListOf


@authenticated(query=TagQuery, response=ListOf(TagOut))
def list_tags(ctx: Context):
    """Your tags (as first written), each with `count` and `total` (the unsigned sum of the tagged amounts).

    Only tags that at least one transaction carries are listed, ordered by name (any case)."""
    items, total = tags.usage(ctx.session, ctx.user.id, ctx.params.page, ctx.params.page_size)
    return page_of([TagOut.model_validate(i).model_dump(mode="json") for i in items],
                   ctx.params.page, ctx.params.page_size, total)
