"""矛盾纠纷调解: a mediation opened on a resident request, its parties, sessions and outcome.

    open ──▶ parties, sessions ──▶ close: agreed (with the terms) | not agreed | withdrawn

Who: the community secretary and staff for any request of their community, grid
heads and workers for the requests of their grid (``permissions.can_mediate``);
sub-district staff read only (403 on writes); anyone else gets 404.

Opening and closing are steps of the request too: each appends a progress event to
the case through ``actions.common.record`` (so the reporter follows it on their timeline and
it is notified and audited like every case step). Closing with an agreement can also
resolve (办结) the request in the same transaction, through ``lifecycle.case_resolve``
and its own rules. Party phone numbers are stored normalised and shown masked in lists.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.models import User
from gongzhi.core.audit import audit_record
from gongzhi.core.errors import ApplicationError, PermissionDeniedError
from gongzhi.core.validators import normalize_phone
from gongzhi.org.models import Resident

from .. import error_codes as codes
from ..actions.common import record
from ..actions.lifecycle import case_resolve
from ..fieldwork.actions import clean_datetime, clean_text
from ..models import Case, CaseEvent, Mediation, MediationParty, MediationSession
from ..permissions import access_case
from .permissions import access_mediation, access_party, can_mediate, can_resolve_case

M = Mediation.Status


MAX_PARTIES = 20
FUTURE_TOLERANCE = timedelta(minutes=10)


def mediation_url(mediation: Mediation) -> str:
    return reverse("field:mediation", args=[mediation.pk])


def _audit(actor, action: str, mediation: Mediation, changes: dict | None = None, details: dict | None = None):
    audit_record(
        actor=actor, action=f"mediation.{action}", target=mediation,
        target_label=f"#{mediation.pk} {mediation.case.title}", community_id=mediation.community_id,
        changes=changes or {}, details=details or {},
    )


def _load(actor, mediation_id) -> Mediation:
    """A mediation the actor may act on, locked; refused (403) when they may only read it."""
    mediation = access_mediation(actor, mediation_id)
    if not can_mediate(actor, mediation.case):
        raise PermissionDeniedError()
    return Mediation.objects.select_for_update(of=("self",)).select_related("case", "mediator").get(pk=mediation.pk)


def _require_open(mediation: Mediation) -> None:
    if mediation.status != M.OPEN:
        raise ApplicationError(
            codes.MEDIATION_CLOSED,
            _("调解已结案（%(status)s），不能再修改。") % {"status": mediation.get_status_display()},
            status=409,
        )


@transaction.atomic
def mediation_open(*, actor, case_id: int, mediator_id: int | None = None, note: str = "") -> Mediation:
    """Open a mediation on an open request; the mediator defaults to the actor."""
    case = access_case(actor, case_id)
    if not can_mediate(actor, case):
        raise PermissionDeniedError()
    case = Case.objects.select_for_update().get(pk=case.pk)
    existing = Mediation.objects.filter(case=case).values_list("pk", flat=True).first()
    if existing:
        raise ApplicationError(codes.MEDIATION_EXISTS, _("该诉求已立案调解（调解 #%(id)s）。") % {"id": existing},
                               status=409, details={"mediation_id": existing})
    if case.status not in Case.OPEN_STATUSES:
        raise ApplicationError(
            codes.CASE_NOT_OPEN,
            _("诉求当前状态为“%(status)s”，不能立案调解。") % {"status": case.get_status_display()},
            status=409,
        )
    note = clean_text(note, field="note", label=_("立案说明"), max_length=2000, required=False)
    mediator = actor
    if mediator_id not in (None, ""):
        mediator = User.objects.filter(pk=mediator_id if str(mediator_id).isdigit() else -1, is_active=True).first()
        if mediator is None or not can_mediate(mediator, case):
            raise ApplicationError(
                codes.INVALID_MEDIATOR, _("调解员须为本社区工作人员或该网格的网格长、网格员。"), field="mediator"
            )
    mediation = Mediation.objects.create(case=case, community_id=case.community_id, mediator=mediator,
                                         opened_by=actor, status=M.OPEN)
    record(
        case, actor=actor, kind=CaseEvent.Kind.PROGRESS, from_status=case.status,
        note=_("已启动矛盾纠纷调解，调解员：%(name)s。") % {"name": mediator.name} + (f"\n{note}" if note else ""),
        data={"mediation": mediation.pk, "step": "opened"},
        notify_users=[mediator.pk], audit_changes={"mediation": [None, mediation.pk]},
    )
    _audit(actor, "open", mediation, {"status": [None, M.OPEN], "mediator": [None, mediator.pk]})
    return mediation


@transaction.atomic
def mediation_add_party(
    *, actor, mediation_id: int, side: str, name: str = "", resident_id: int | None = None, phone: str = ""
) -> MediationParty:
    mediation = _load(actor, mediation_id)
    _require_open(mediation)
    side = str(side or "").strip()
    if side not in MediationParty.Side.values:
        raise ApplicationError(
            codes.INVALID_SIDE,
            _("当事人身份无效（可选：%(options)s）。") % {"options": "、".join(map(str, MediationParty.Side.labels))},
            field="side",
        )
    resident = None
    if resident_id not in (None, ""):
        resident = Resident.objects.filter(
            pk=resident_id if str(resident_id).isdigit() else -1, community_id=mediation.community_id
        ).first()
        if resident is None:
            raise ApplicationError(codes.UNKNOWN_RESIDENT, _("所选居民不在本社区。"), field="resident")
    name = clean_text(name or (resident.name if resident else ""), field="name", label=_("当事人姓名"), max_length=50)
    phone_text = str(phone or "").strip()
    if phone_text:
        normalized = normalize_phone(phone_text)
        if normalized is None:
            raise ApplicationError(codes.INVALID_PHONE, _("电话号码格式不正确：%(value)s") % {"value": phone_text},
                                   field="phone")
        phone_text = normalized
    elif resident is not None:
        phone_text = resident.phone
    if mediation.parties.count() >= MAX_PARTIES:
        raise ApplicationError(codes.TOO_MANY_PARTIES, _("一次调解最多登记 %(n)d 名当事人。") % {"n": MAX_PARTIES},
                               field="side")
    party = MediationParty.objects.create(mediation=mediation, side=side, name=name, resident=resident,
                                          phone=phone_text)
    _audit(actor, "add_party", mediation, {"party": [None, party.pk]},
           {"side": side, "name": name, "resident": resident.pk if resident else None})
    return party


@transaction.atomic
def mediation_remove_party(*, actor, party_id: int) -> Mediation:
    party = access_party(actor, party_id)
    mediation = _load(actor, party.mediation_id)
    _require_open(mediation)
    _audit(actor, "remove_party", mediation, {"party": [party.pk, None]}, {"side": party.side, "name": party.name})
    party.delete()
    return mediation


@transaction.atomic
def mediation_party_phone_reveal(*, actor, party_id: int) -> str:
    """The full phone number of a party, for those who mediate (readers: 403); every read is audited."""
    party = access_party(actor, party_id)
    mediation = party.mediation
    if not can_mediate(actor, mediation.case):
        raise PermissionDeniedError()
    audit_record(actor=actor, action="mediation.reveal_phone", target=mediation,
                 target_label=f"#{mediation.pk} {party.name}", community_id=mediation.community_id,
                 details={"party": party.pk})
    return party.phone


@transaction.atomic
def mediation_add_session(
    *, actor, mediation_id: int, held_at, notes: str, place: str = "", attendees: str = ""
) -> MediationSession:
    """A mediation meeting that took place: when, where, who attended, what was said."""
    mediation = _load(actor, mediation_id)
    _require_open(mediation)
    held = clean_datetime(held_at, field="held_at", label=_("调解时间"))
    if held > timezone.now() + FUTURE_TOLERANCE:
        raise ApplicationError(codes.SESSION_IN_FUTURE, _("调解时间不能晚于现在：请在调解结束后记录。"), field="held_at")
    notes = clean_text(notes, field="notes", label=_("调解记录"), max_length=4000)
    place = clean_text(place, field="place", label=_("地点"), max_length=200, required=False)
    attendees = clean_text(attendees, field="attendees", label=_("参加人员"), max_length=500, required=False)
    session = MediationSession.objects.create(mediation=mediation, held_at=held, place=place, attendees=attendees,
                                              notes=notes, recorded_by=actor)
    _audit(actor, "add_session", mediation, {"session": [None, session.pk]}, {"held_at": held, "place": place})
    return session


@transaction.atomic
def mediation_close(
    *, actor, mediation_id: int, outcome: str, terms: str = "", note: str = "", resolve_case: bool = False
) -> Mediation:
    """结案. An agreement needs its terms, both sides registered and at least one session.

    With ``resolve_case`` an agreement also resolves the request (its handler rules apply).
    """
    mediation = _load(actor, mediation_id)
    _require_open(mediation)
    outcome = str(outcome or "").strip()
    if outcome not in (M.AGREED, M.NOT_AGREED, M.WITHDRAWN):
        raise ApplicationError(codes.INVALID_OUTCOME, _("请选择调解结果：达成协议、未达成协议或撤回。"), field="outcome")
    if outcome == M.AGREED:
        terms = clean_text(terms, field="terms", label=_("协议内容"), max_length=4000)
        note = clean_text(note, field="note", label=_("调解结果说明"), max_length=2000, required=False)
    else:
        terms = ""
        label = _("未达成协议的原因") if outcome == M.NOT_AGREED else _("撤回原因")
        note = clean_text(note, field="note", label=label, max_length=2000)
    if outcome in (M.AGREED, M.NOT_AGREED):
        sides = set(mediation.parties.values_list("side", flat=True))
        if not {MediationParty.Side.APPLICANT, MediationParty.Side.RESPONDENT} <= sides:
            raise ApplicationError(codes.PARTIES_MISSING, _("结案前请登记申请方和被申请方。"), field="parties")
        if not mediation.sessions.exists():
            raise ApplicationError(codes.NO_SESSION, _("结案前请至少记录一次调解过程。"), field="sessions")
    case = Case.objects.select_for_update().get(pk=mediation.case_id)
    if resolve_case:
        if outcome != M.AGREED:
            raise ApplicationError(codes.CANNOT_RESOLVE, _("只有达成协议时才能同时办结诉求。"), field="resolve_case")
        if not can_resolve_case(actor, case):
            raise ApplicationError(
                codes.CANNOT_RESOLVE,
                _("诉求当前状态为“%(status)s”或不由您承办，不能同时办结，请到诉求页面处理。")
                % {"status": case.get_status_display()},
                field="resolve_case",
            )
    now = timezone.now()
    mediation.status, mediation.agreement_terms, mediation.outcome_note, mediation.closed_at = outcome, terms, note, now
    mediation.save(update_fields=["status", "agreement_terms", "outcome_note", "closed_at"])
    label = M(outcome).label
    record(
        case, actor=actor, kind=CaseEvent.Kind.PROGRESS, from_status=case.status,
        note=_("矛盾纠纷调解结案：%(outcome)s。") % {"outcome": label} + (f"\n{note}" if note else ""),
        data={"mediation": mediation.pk, "step": "closed", "outcome": outcome},
        notify_users=[mediation.mediator_id], audit_changes={"mediation": [M.OPEN, outcome]},
    )
    _audit(actor, "close", mediation, {"status": [M.OPEN, outcome]},
           {"terms": terms[:500], "note": note[:500], "resolve_case": resolve_case})
    if resolve_case:
        case_resolve(actor=actor, case_id=case.pk, result=_("经调解达成协议：%(terms)s") % {"terms": terms})
    return mediation
