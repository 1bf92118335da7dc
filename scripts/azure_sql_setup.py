"""After `azd provision`: give the Function App's identity its database user, then migrate.

Signs in to Azure SQL as *you* (the Entra administrator the Bicep named: your `az login` / `azd auth
login`, through azure-identity) — there is no SQL password anywhere. Steps, all idempotent:
  1. open a temporary firewall rule for this machine's address if the server refuses it;
  2. CREATE USER [<identity>] FROM EXTERNAL PROVIDER, and add it to db_datareader and db_datawriter
     (the app reads and writes rows; only this script, as administrator, changes the schema);
  3. alembic upgrade head;
  4. remove the temporary firewall rule.

azd runs it as the postprovision hook with its environment (the Bicep outputs) in the process
environment; by hand:  python scripts/azure_sql_setup.py --server <fqdn> --database finance --identity <name>
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

APP_ROLES = ("db_datareader", "db_datawriter")
ARM = "https://management.azure.com"
FIREWALL_RULE = "azd-postprovision"
_BLOCKED_IP = re.compile(r"Client with IP address '([0-9a-fA-F:.]+)' is not allowed")
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")


def grant_statements(identity: str, roles: tuple[str, ...] = APP_ROLES) -> list[str]:
    """T-SQL that creates the contained user for a managed identity and adds its roles, re-runnable."""
    if not _SAFE_NAME.match(identity):
        raise ValueError(f"unexpected identity name {identity!r}")
    user = f"[{identity}]"
    statements = [
        f"IF DATABASE_PRINCIPAL_ID(N'{identity}') IS NULL CREATE USER {user} FROM EXTERNAL PROVIDER"
    ]
    for role in roles:
        statements.append(f"IF IS_ROLEMEMBER(N'{role}', N'{identity}') = 0 ALTER ROLE {role} ADD MEMBER {user}")
    return statements


def _credential():
    from azure.identity import AzureCliCredential, AzureDeveloperCliCredential, ChainedTokenCredential

    # azd signs in on its own; `az login` works too.
    return ChainedTokenCredential(AzureDeveloperCliCredential(), AzureCliCredential())


def _arm(credential, method: str, path: str, body: dict | None = None) -> None:
    token = credential.get_token(f"{ARM}/.default").token
    request = urllib.request.Request(
        f"{ARM}{path}?api-version=2023-08-01", method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        response.read()


def _firewall_path(subscription: str, resource_group: str, server: str) -> str:
    name = server.split(".", 1)[0]
    return (f"/subscriptions/{subscription}/resourceGroups/{resource_group}"
            f"/providers/Microsoft.Sql/servers/{name}/firewallRules/{FIREWALL_RULE}")


def run(server: str, database: str, identity: str, subscription: str, resource_group: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from shared.data.azure_sql import create_mssql_engine
    from shared.data.migrate import upgrade_to_head
    from shared.data.urls import azure_sql_url

    credential = _credential()
    engine = create_mssql_engine(azure_sql_url(server, database), credential=credential, pool_pre_ping=True)
    firewall = None
    try:
        try:
            with engine.connect():
                pass
        except DBAPIError as exc:
            blocked = _BLOCKED_IP.search(str(exc))
            if not blocked or not (subscription and resource_group):
                raise
            firewall = _firewall_path(subscription, resource_group, server)
            ip = blocked.group(1)
            print(f"opening a temporary firewall rule for {ip}")
            _arm(credential, "PUT", firewall, {"properties": {"startIpAddress": ip, "endIpAddress": ip}})
            engine.dispose()
        with engine.begin() as conn:
            for statement in grant_statements(identity):
                conn.execute(text(statement))
        print(f"database user [{identity}] has {', '.join(APP_ROLES)}")
        upgrade_to_head(engine)
        print("migrations applied (alembic upgrade head)")
    finally:
        engine.dispose()
        if firewall:
            _arm(credential, "DELETE", firewall)
            print("temporary firewall rule removed")


def main(argv: list[str] | None = None) -> int:
    env = os.environ
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--server", default=env.get("AZURE_SQL_SERVER_FQDN"))
    parser.add_argument("--database", default=env.get("AZURE_SQL_DATABASE_NAME"))
    parser.add_argument("--identity", default=env.get("AZURE_SQL_APP_IDENTITY_NAME"))
    parser.add_argument("--subscription", default=env.get("AZURE_SUBSCRIPTION_ID", ""))
    parser.add_argument("--resource-group", default=env.get("AZURE_RESOURCE_GROUP", ""))
    parser.add_argument("--print-sql", action="store_true", help="print the grant statements and stop")
    args = parser.parse_args(argv)
    if args.print_sql:
        print(";\n".join(grant_statements(args.identity or "<identity>")) + ";")
        return 0
    missing = [name for name in ("server", "database", "identity") if not getattr(args, name)]
    if missing:
        parser.error(f"missing {', '.join('--' + m for m in missing)} (run `azd provision` first, or pass them)")
    run(args.server, args.database, args.identity, args.subscription, args.resource_group)
    return 0


if __name__ == "__main__":
    sys.exit(main())
