"""预警/通知: alerts that reach every household (issue #9). So far: CAP 1.2 messages (``cap``)."""
