"""The test layer: the shared test world (built once per test process) and the test kit.

``plugin`` holds the pytest fixtures (registered from the root ``conftest.py``), ``world``
builds and copies the base world, ``kit`` has the helpers test bodies use (``client_for``,
``snapshot``, ``check_reads``, ``check_writes``, ``expect_error``). This package is the top
layer: it may import every app, and no app code imports it.
"""
