"""Writes for requests (有求必应): one module per area — intake, lifecycle, supervision,
categories, departments, services, mediation, patrols, inbox, classifier."""
