"""What service orders, mediation and patrols share (pages under URL names ``field:*``, API under /api/field).

The three sub-features are packages of their own (``casework/services``, ``casework/mediation``,
``casework/patrols``); this package holds the pieces they all use: the role sets and per-request
caches of their access rules (``permissions``), input cleaning and notifications for their actions
(``actions``), page helpers (``pages``), and the one URL namespace and API router that mount them
(``urls``, ``api``).
"""
