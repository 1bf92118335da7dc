"""What the reliability tests share: the route table, a database fingerprint, a user with one of
every resource (made through the public API, with values distinctive enough to scan for), and
valid request bodies per route so a test reaches the check it means to make."""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text

import function_app
from shared.web import route_table
from shared.web.route_table import Function as Route
from tests.conftest import User, make_user

PREFIX = "/api/"
TODAY = dt.date.today()
MONTH = TODAY.strftime("%Y-%m")
# Routes the contract leaves open to anyone; every other route must refuse an anonymous caller.
PUBLIC = {"register", "login", "token/refresh", "health", "openapi.json", "docs"}
PUBLIC_PREFIXES = ("docs/",)
_PARAM = re.compile(r"\{\*?([A-Za-z_][A-Za-z0-9_]*)(?::[a-z]+)?\??\}")


def routes() -> list[Route]:
    return route_table.routes(function_app.app)


def operations() -> list[tuple[str, Route]]:
    """Every (method, route) the app serves, in a stable order (HEAD/OPTIONS aside)."""
    out = [(m, r) for r in routes() for m in sorted(r.methods) if m not in {"HEAD", "OPTIONS"}]
    return sorted(out, key=lambda mr: (mr[1].template, mr[0]))


def op_id(op: tuple[str, Route]) -> str:
    return f"{op[0]} {op[1].template}"


def spec(route: Route):
    return route.spec


def is_public(route: Route) -> bool:
    return route.template in PUBLIC or route.template.startswith(PUBLIC_PREFIXES)


def is_admin(route: Route) -> bool:
    """Declared for admins only (everyone else gets the unknown-route 404)."""
    return route.spec is not None and route.spec.admin


def any_path(route: Route, value: str = "x") -> str:
    """The route's path with every parameter `value` (for routes whose ids are not rows of a World)."""
    return PREFIX + _PARAM.sub(value, route.template)


def params_of(template: str) -> list[str]:
    return _PARAM.findall(template)


def owner_segment(template: str, param: str) -> str:
    """`portfolios/{id:int}/assets` -> `portfolios`: the collection the id belongs to."""
    parts = template.split("/")
    for i, part in enumerate(parts):
        if _PARAM.fullmatch(part) and _PARAM.fullmatch(part).group(1) == param:
            return parts[i - 1] if i else ""
    return ""


# --- database fingerprint -----------------------------------------------------------------------

# Users whose rows the fuzz works on (every World's user). The fingerprint hashes all of their rows,
# and counts every table whole: so a refused request that adds or deletes any row, or changes any
# row of these users, shows. (Another user's row changing is a cross-user bug, which the isolation
# tests look for; hashing every row of a database the whole suite has filled made each check slow.)
SCOPE: set[int] = set()


def fingerprint(exclude: tuple[str, ...] = ()) -> dict[str, tuple]:
    """Per table: the row count, and a content hash of the fuzzed users' rows (of every row, for
    tables that belong to no user): equal fingerprints, unchanged database. Which rows are a user's
    comes from the model metadata (shared/data/ownership.py), so a new table is covered unasked."""
    from sqlalchemy import func, select

    from shared.data.db import get_engine
    from shared.data.models import Base
    from shared.data.ownership import owned_tables

    owned = {o.table.name: o for o in owned_tables()}
    out = {}
    with get_engine().connect() as conn:
        for table in Base.metadata.sorted_tables:
            if table.name in exclude:
                continue
            order = list(table.primary_key.columns) or [text("1")]
            rows = select(table).order_by(*order)
            if table.name in owned and SCOPE:
                rows = rows.where(owned[table.name].rows_of(sorted(SCOPE)))
            count = conn.execute(select(func.count()).select_from(table)).scalar_one()
            found = conn.execute(rows).all()
            digest = hashlib.sha256(repr(found).encode("utf-8", "surrogatepass")).hexdigest()
            out[table.name] = (count, len(found), digest)
    return out


def changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(name for name in before if before[name] != after.get(name))


# --- a user with one of everything ---------------------------------------------------------------

@dataclass
class World:
    user: User
    marker: str
    amount: str
    ids: dict[str, int] = field(default_factory=dict)  # collection segment -> one id of the user's
    extra: dict[str, int] = field(default_factory=dict)  # second rows, categories by kind, ...
    markers: list[str] = field(default_factory=list)  # distinctive values that must never leak

    @property
    def client(self):
        return self.user.client


def has_route(template: str, method: str = "GET") -> bool:
    return any(r.template == template and method in r.methods for r in routes())


def _ok(response, status=(200, 201)) -> dict[str, Any]:
    assert response.status in status, response
    return response.json() if response.body else {}


def build_world(tag: str, amount: str) -> World:
    """A user whose every row carries `tag` and whose money carries `amount`, made through the API."""
    marker = f"{tag}{uuid.uuid4().hex[:8]}"
    user = make_user(username=f"{marker.lower()[:24]}", first_name=f"{marker}First", last_name=f"{marker}Last",
                     email=f"{marker.lower()}@example.com", monthly_income=amount)
    w = World(user, marker, amount)
    SCOPE.add(user.id)
    c = user.client
    w.markers = [user.username, f"{marker}First", f"{marker}Last", f"{marker.lower()}@example.com", marker, amount]
    w.ids["accounts"] = _ok(c.post("/api/accounts", json={"name": f"{marker} checking", "type": "checking",
                                                          "institution": f"{marker} bank",
                                                          "opening_balance": amount}))["id"]
    w.extra["account2"] = _ok(c.post("/api/accounts", json={"name": f"{marker} savings", "type": "savings"}))["id"]
    w.ids["credit-cards"] = _ok(c.post("/api/credit-cards", json={
        "name": f"{marker} card", "issuer": f"{marker} issuer", "credit_limit": amount, "statement_day": 3,
        "due_day": 25}))["id"]
    w.ids["income-sources"] = _ok(c.post("/api/income-sources", json={
        "name": f"{marker} salary", "amount": amount, "frequency": "monthly", "account_id": w.ids["accounts"]}))["id"]
    w.ids["categories"] = _ok(c.post("/api/categories", json={"name": f"{marker} food", "kind": "expense"}))["id"]
    w.extra["income_category"] = _ok(c.post("/api/categories", json={"name": f"{marker} pay", "kind": "income"}))["id"]
    w.extra["other_category"] = _ok(c.post("/api/categories", json={"name": f"{marker} misc", "kind": "expense"}))["id"]
    w.ids["transactions"] = _ok(c.post("/api/transactions", json={
        "type": "expense", "amount": amount, "date": TODAY.isoformat(), "description": f"{marker} dinner",
        "category_id": w.ids["categories"], "account_id": w.ids["accounts"]}))["id"]
    _ok(c.post("/api/transactions", json={
        "type": "income", "amount": amount, "date": TODAY.isoformat(), "description": f"{marker} payday",
        "category_id": w.extra["income_category"], "account_id": w.ids["accounts"],
        "income_source_id": w.ids["income-sources"]}))
    _ok(c.post("/api/transactions", json={
        "type": "transfer", "amount": amount, "date": TODAY.isoformat(), "description": f"{marker} move",
        "account_id": w.ids["accounts"], "to_account_id": w.extra["account2"]}))
    _ok(c.post("/api/transactions", json={
        "type": "expense", "amount": amount, "date": TODAY.isoformat(), "description": f"{marker} card buy",
        "category_id": w.ids["categories"], "credit_card_id": w.ids["credit-cards"]}))
    if has_route("recurring", "POST"):
        w.ids["recurring"] = _ok(c.post("/api/recurring", json={
            "name": f"{marker} rent", "type": "expense", "amount": amount, "frequency": "monthly",
            "start_date": TODAY.isoformat(), "account_id": w.ids["accounts"], "category_id": w.ids["categories"],
            "payee": f"{marker} landlord", "description": f"{marker} flat", "tags": [marker[:32]]}))["id"]
    w.ids["budgets"] = _ok(c.post("/api/budgets", json={"category_id": w.ids["categories"], "month": MONTH,
                                                        "amount": amount}))["id"]
    w.ids["goals"] = _ok(c.post("/api/goals", json={"title": f"{marker} trip", "target_amount": amount,
                                                    "target_date": (TODAY + dt.timedelta(days=400)).isoformat()}))["id"]
    _ok(c.post(f"/api/goals/{w.ids['goals']}/contributions", json={"amount": amount}))
    if has_route("rules", "POST"):
        w.ids["rules"] = _ok(c.post("/api/rules", json={
            "name": f"{marker} rule", "conditions": [{"field": "description", "op": "contains", "value": marker}],
            "actions": [{"set": "payee", "value": f"{marker} payee"}, {"add_tag": marker[:32]}]}))["id"]
    if has_route("imports", "POST"):
        w.ids["imports"] = _ok(c.post("/api/imports", json={
            "format": "csv", "account_id": w.ids["accounts"], "csv": {"date": "d", "amount": "a", "payee": "p"},
            "content": f"d,a,p\n{TODAY.isoformat()},-{amount},{marker} shop\n"}))["id"]
    if has_route("tokens", "POST"):
        w.ids["tokens"] = _ok(c.post("/api/tokens", json={"name": f"{marker} agent", "scopes": ["read"],
                                                          "expires_in_days": 30}))["id"]
    if has_route("fx-rates", "POST"):  # an own rate and a euro account: one user's rates never reach another
        w.extra["euros"] = _ok(c.post("/api/accounts", json={"name": f"{marker} euros", "type": "savings",
                                                            "currency": "EUR", "opening_balance": amount}))["id"]
        _ok(c.post("/api/fx-rates", json={"date": TODAY.isoformat(), "base": "EUR", "quote": "USD",
                                          "rate": amount}))
    if has_route("portfolios", "POST"):
        w.ids["portfolios"] = _ok(c.post("/api/portfolios", json={"name": f"{marker} pension"}))["id"]
        w.ids["assets"] = _ok(c.post(f"/api/portfolios/{w.ids['portfolios']}/assets", json={
            "name": f"{marker} fund", "type": "fund", "symbol": marker[:5].upper(), "quantity": "3",
            "amount_invested": amount, "purchase_date": (TODAY - dt.timedelta(days=40)).isoformat()}))["id"]
        _ok(c.post(f"/api/assets/{w.ids['assets']}/prices", json={"date": TODAY.isoformat(), "price": amount}))
    if has_route("assets/{id:int}/trades", "POST"):
        w.ids["trades"] = _ok(c.post(f"/api/assets/{w.ids['assets']}/trades", json={
            "type": "dividend", "date": TODAY.isoformat(), "amount": amount}))["id"]
    return w


# --- valid requests per route ------------------------------------------------------------------

def query_defaults(route: Route) -> dict[str, str]:
    """Values for the query fields a route requires (and a wide window where a range is asked)."""
    model = spec(route).query if spec(route) else None
    if model is None:
        return {}
    wanted = {
        "month": MONTH, "date": TODAY.isoformat(), "date_from": f"{TODAY.year - 1}-01-01",
        "date_to": TODAY.isoformat(), "granularity": "month", "page_size": "100",
    }
    return {name: wanted[name] for name in model.model_fields if name in wanted}


def valid_body(method: str, route: Route, w: World) -> Any:
    """A body the route accepts from `w`'s user (None when it takes none)."""
    s = spec(route)
    if s is None or s.body is None:
        return None
    name = s.body.__name__
    if method == "PATCH" and name.endswith("Patch"):
        return {}  # every field optional: an empty patch is valid and changes nothing
    bodies = {
        "AccountIn": {"name": "acc", "type": "cash"},
        "CreditCardIn": {"name": "card", "credit_limit": "100", "statement_day": 1, "due_day": 2},
        "IncomeSourceIn": {"name": "src", "amount": "10", "frequency": "weekly"},
        "CategoryIn": {"name": f"cat {uuid.uuid4().hex[:6]}", "kind": "expense"},
        "TransactionIn": {"type": "expense", "amount": "1.00", "date": TODAY.isoformat(),
                          "account_id": w.ids["accounts"], "category_id": w.ids["categories"]},
        "BudgetIn": {"category_id": w.extra["other_category"], "month": "2001-01", "amount": "5"},
        "GoalIn": {"title": "goal", "target_amount": "100"},
        "ContributionIn": {"amount": "1.00"},
        "PortfolioIn": {"name": "pf"},
        "AssetIn": {"name": "asset", "type": "stock", "quantity": "1", "amount_invested": "1",
                    "purchase_date": TODAY.isoformat()},
        "PriceIn": {"date": "2001-01-01", "price": "1"},
        "FxRateIn": {"date": "2001-01-01", "base": "EUR", "quote": "USD", "rate": "1.1"},
        "TradeIn": {"type": "buy", "date": TODAY.isoformat(), "quantity": "1", "price": "1"},
        "RefreshIn": {"refresh_token": "x" * 43},
        "PasswordChangeIn": {"current_password": w.user.password, "new_password": "another-Passw0rd"},
        "DeleteMeIn": {"password": w.user.password},
        "LoginIn": {"username": w.user.username, "password": w.user.password},
        "RegisterIn": {"username": f"r{uuid.uuid4().hex[:10]}", "password": "long-enough-pw", "first_name": "R",
                       "last_name": "S"},
        "MePatch": {},
        "ChatIn": {"message": "what are my balances?"},
        "RecurringIn": {"name": "sched", "type": "expense", "amount": "1.00", "frequency": "weekly",
                        "start_date": TODAY.isoformat(), "account_id": w.ids["accounts"]},
        "TokenIn": {"name": "agent", "scopes": ["read"], "expires_in_days": 1},
        "RunSummariesIn": {"period": "2026-10"},
        "RuleIn": {"name": "rule", "conditions": [{"field": "amount", "op": "gt", "value": "1"}],
                   "actions": [{"add_tag": "t"}]},
        "RuleRunIn": {"dry_run": True},
        "ImportIn": {"format": "csv", "account_id": w.ids["accounts"], "dry_run": True,
                     "csv": {"date": "d", "amount": "a"}, "content": "d,a\n2026-10-01,-1.00\n"},
    }
    if name not in bodies:
        raise AssertionError(f"tests/reliability/_world.py: add a valid body for {name} ({method} {route.template})")
    return bodies[name]


def fill(template: str, ids: dict[str, Any]) -> str:
    """The path of `template` with each {param} replaced by `ids[<its collection>]`."""
    path = template
    for param in params_of(template):
        seg = owner_segment(template, param)
        if seg not in ids:
            raise AssertionError(f"tests/reliability/_world.py: no {seg!r} id for {template}; add it to build_world")
        path = _PARAM.sub(str(ids[seg]), path, count=1)
    return PREFIX + path
