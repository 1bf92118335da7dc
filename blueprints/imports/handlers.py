"""Routes of /api/imports: import a bank file (OFX/QFX, QIF, CSV), list past imports, undo one."""

from shared.schemas.imports import MAX_IMPORT_BODY_BYTES, ImportIn, ImportOut, ImportQuery, ImportRecordOut
from shared.services import imports
from shared.web.auth import authenticated
from shared.web.http import Context, Reply, page_of
from shared.web.routes import ListOf


@authenticated(body=ImportIn, response=ImportOut, status=201, max_body=MAX_IMPORT_BODY_BYTES)
def import_file(ctx: Context):
    """Import a bank file into one of your accounts or cards (201; a dry run answers 200 and writes nothing).

    The body may be up to 6 MiB (content up to 5 MiB). Lines already in the account or card (same
    OFX FITID or, without one, the same date, amount and description, counting repeats in the file)
    are duplicates and never created again; invalid lines are reported with their line number and
    reason; every new line is written in one database transaction, after your rules ran on it.
    A file that does not parse as its format is a 422 and nothing is imported. OFX dates are the
    day the bank wrote (its time zone is not applied); on a card, a negative amount is a charge
    (expense) and a positive one a payment or refund (income that lowers the card's balance)."""
    result = imports.import_file(ctx.session, ctx.user, ctx.data)
    return Reply(result.model_dump(mode="json"), 200 if ctx.data.dry_run else 201)


@authenticated(query=ImportQuery, response=ListOf(ImportRecordOut))
def list_imports(ctx: Context):
    """Your past imports, newest first."""
    rows, total = imports.list_imports(ctx.session, ctx.user, ctx.params.page, ctx.params.page_size)
    return page_of([ImportRecordOut.model_validate(r).model_dump(mode="json") for r in rows],
                   ctx.params.page, ctx.params.page_size, total)


@authenticated(response=ImportRecordOut)
def get_import(ctx: Context) -> ImportRecordOut:
    """One of your past imports."""
    return ImportRecordOut.model_validate(imports.get(ctx.session, ctx.user, ctx.route_int()))


@authenticated(status=204)
def undo_import(ctx: Context):
    """Undo an import: every transaction it created is deleted; balances and reports move back."""
    imports.undo(ctx.session, ctx.user, ctx.route_int())
