"""The Excel roster (花名册): one workbook with the sheets 说明, 楼栋, 房屋, 居民.

- ``layout``: sheet and column definitions, value labels, formula escaping.
- ``reader``: file checks (size, zip magic, openpyxl load, rows) and cell reading.
- ``validator``: one pass over the rows that checks everything and resolves each
  row against the database, producing a ``Plan`` or a list of ``Problem``.
- ``loader``: applies a ``Plan`` with bulk writes inside one transaction.
- ``writer``: the template and the export (openpyxl write-only, streamed).
- ``progress``: progress reporting that the polling page can see while an
  import runs, on SQLite and PostgreSQL.

- ``permissions``: who may import and export a community's roster, and see an import.
- ``importing``: the import (``roster_import``, and ``roster_import_run`` for the task).
- ``actions``: every write (import, the page's queued import, export); ``tasks``: the
  background import; ``views`` + ``urls``: the pages (names ``org:roster*``).

Writes happen only through ``gongzhi.org.roster.actions``.
"""
