"""Open311 GeoReport v2 interface of 有求必应 (see docs/open311.md)."""
