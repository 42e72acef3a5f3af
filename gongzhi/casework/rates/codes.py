"""Error codes of the rates page and API (stable strings; clients switch on them)."""

INVALID_PERIOD = "invalid_period"
INVALID_SCOPE = "invalid_scope"
INVALID_BREAKDOWN = "invalid_breakdown"
