"""All writes of the org app. Import from the submodules, e.g. ``from gongzhi.org.actions.people import ...``."""
