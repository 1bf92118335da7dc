"""Make an account an admin (or take the role back). A command for operators, never an API route:

    python -m scripts.make_admin <username>            # role = admin
    python -m scripts.make_admin <username> --revoke   # role = user

It uses DATABASE_URL like the app (on Azure: run it where the app settings and network reach the
database). The user's existing access tokens see the new role at once (the role is read per request).
"""
from __future__ import annotations

import argparse
import sys

from sqlalchemy import select


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Grant or revoke the admin role.")
    parser.add_argument("username")
    parser.add_argument("--revoke", action="store_true", help="make the account a plain user again")
    args = parser.parse_args(argv)

    from shared.data.db import run_unit_of_work
    from shared.data.models import User
    from shared.data.types import utcnow

    role = "user" if args.revoke else "admin"

    def work(session) -> bool:
        user = session.execute(select(User).where(User.username_key == args.username.lower())).scalar_one_or_none()
        if user is None:
            return False
        user.role, user.updated_at = role, utcnow()
        return True

    if not run_unit_of_work(work):
        print(f"no user named {args.username!r}", file=sys.stderr)
        return 1
    print(f"{args.username}: role = {role}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
