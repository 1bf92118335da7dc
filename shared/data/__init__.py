"""The data layer: settings, engine and sessions, models, column types, migrations."""
