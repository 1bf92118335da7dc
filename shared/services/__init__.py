"""Domain services: the business rules per domain, with no HTTP in them."""
