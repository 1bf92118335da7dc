"""The finance assistant. `nlu` turns a message into an `Understanding` (pure: no database, no
HTTP); the services that answer it live beside it. Importing this package loads nothing."""
