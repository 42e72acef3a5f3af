"""The in-app inbox (站内通知), shared by every app.

Any app tells people something with ``actions.notify(users=..., title=..., kind=..., source=...)``:
one row per recipient, never to the actor, with a link (``url``) back into the app that sent it.
Core knows nothing about the apps: what a notification is about is plain data (``source`` names
the app, ``kind`` what happened, ``subject`` a short label shown in the list) and ``dedupe_key``
("casework.event:123") lets an app say "once per user per thing" — the database enforces it.

Pages: ``/inbox/`` (list), ``POST /inbox/<id>/`` (mark read, follow the link; a GET only
follows it), ``POST /inbox/read-all/``. API: ``/api/inbox/notifications``. The bell in the top
bar comes from ``context_processors.inbox`` and ``core/notifications/_bell.html``.
"""
