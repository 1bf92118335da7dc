#!/usr/bin/env bash
# Regenerate migrations/versions/0001_initial_schema.py from shared/models.py.
# Only while nothing has been released: once a database exists in Azure, add new revisions instead.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
rm -f migrations/versions/0001_initial_schema.py
DATABASE_URL="sqlite:///$tmp/empty.db" .venv/bin/alembic revision --autogenerate -m "initial schema" --rev-id 0001 >/dev/null
sed -i 's/^Create Date: .*/Create Date: (generated from shared\/models.py)/' migrations/versions/0001_initial_schema.py
rm -rf "$tmp"
echo "regenerated migrations/versions/0001_initial_schema.py"
