from .case import (
    TIER_ORDER,
    Case,
    CaseEvent,
    CasePhoto,
    Category,
    Channel,
    Department,
    Tier,
    Urgency,
    Whistle,
)
from .field import Mediation, MediationParty, MediationSession, Patrol, PatrolStop, ServiceOffering, ServiceOrder
from .support import CategoryCorrection, ClassifierModel, Open311Key

__all__ = [
    "TIER_ORDER",
    "Case",
    "CaseEvent",
    "CasePhoto",
    "Category",
    "CategoryCorrection",
    "Channel",
    "ClassifierModel",
    "Department",
    "Mediation",
    "MediationParty",
    "MediationSession",
    "Open311Key",
    "Patrol",
    "PatrolStop",
    "ServiceOffering",
    "ServiceOrder",
    "Tier",
    "Urgency",
    "Whistle",
]
