"""/api/reports/*: the caller's own figures, computed on demand."""
from shared.web.deferred import Handlers

reports = Handlers("blueprints.reports.handlers")
reports.route("GET", "reports/monthly", "monthly_report")
reports.route("GET", "reports/summary", "summary_report")
reports.route("GET", "reports/trend", "trend_report")
reports.route("GET", "reports/spending-patterns", "spending_patterns")

bp = reports.bp
