"""Writes for requests (有求必应): one module per area — intake, lifecycle, supervision,
categories, departments, services, mediation, patrols, classifier.
Notifications go through the shared inbox, ``gongzhi.core.notifications``."""
