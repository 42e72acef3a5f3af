"""双报到 (party organisations, partner units, registration, service posts and hours); see docs/party.md.

- ``permissions``: every ``access_*`` of party objects and who sees which community;
- ``actions/``: all writes, one module per sub-feature;
- ``selectors``: reads for pages and API; ``report``: the quarterly report and its workbook;
- ``views`` + ``urls`` (pages, names ``org:party_*``), ``api`` (``/api/party``),
  ``home`` (home-page section and navigation links, registered in ``OrgConfig.ready``).

Templates are in ``org/templates/org/party/``.
"""
