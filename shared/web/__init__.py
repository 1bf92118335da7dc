"""The HTTP edge: requests and answers, problem+json, authentication, idempotency, OpenAPI, routes."""
