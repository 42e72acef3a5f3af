"""Writes for requests (有求必应): one module per area — intake, lifecycle, supervision,
categories, departments, classifier. (Service orders, mediation and patrols keep their
actions in their own packages: ``casework/services``, ``mediation``, ``patrols``.)
Notifications go through the shared inbox, ``gongzhi.core.notifications``."""
