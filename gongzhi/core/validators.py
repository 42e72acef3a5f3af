"""Validation and masking of personal identifiers (phone, resident ID number)."""

from __future__ import annotations

import re

import phonenumbers

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")


def normalize_phone(raw: str) -> str | None:
    """Return the national-format digits of a valid Chinese phone number, or None.

    Accepts mobiles (13912345678, +86 139 1234 5678) and landlines with area
    code (0551-63601234). Spaces and dashes are ignored.
    """
    text = str(raw or "").strip()
    if not text:
        return None
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        return None
    if number.country_code != 86 or not phonenumbers.is_valid_number(number):
        return None
    national = str(number.national_number)
    if phonenumbers.number_type(number) in (
        phonenumbers.PhoneNumberType.FIXED_LINE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ) and not national.startswith("1"):
        return "0" + national
    return national


def is_mobile(phone: str) -> bool:
    return bool(re.fullmatch(r"1[3-9]\d{9}", phone or ""))


def id_number_check_char(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS))
    return _ID_CHECK[total % 11]


def normalize_id_number(raw: str) -> str | None:
    """Return an upper-cased 18-character resident ID number if its checksum holds."""
    text = str(raw or "").strip().upper()
    if not _ID_RE.match(text):
        return None
    if id_number_check_char(text[:17]) != text[17]:
        return None
    return text


def mask_phone(phone: str | None) -> str:
    if not phone:
        return ""
    if len(phone) <= 7:
        return phone[:2] + "*" * (len(phone) - 2)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def mask_id_number(id_number: str | None) -> str:
    if not id_number:
        return ""
    return id_number[:3] + "*" * (len(id_number) - 7) + id_number[-4:]


# Phone and ID numbers typed into free text (a request's description, a note, a result).
PHONE_IN_TEXT = re.compile(r"(?<!\d)(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})(?!\d)")
ID_NUMBER_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")


def mask_contacts_in(text: str | None) -> str:
    """Free text with every phone and ID number in it masked (139****5678, 340***********1234).

    Open311 publishes text through this; casework shows request text through it to roles without
    the full phone/ID right.
    """
    if not text:
        return ""
    text = ID_NUMBER_IN_TEXT.sub(lambda m: mask_id_number(m.group(0)), text)
    return PHONE_IN_TEXT.sub(lambda m: mask_phone(m.group(0)), text)
