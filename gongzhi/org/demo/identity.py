"""Fictional but well-formed names, mobile numbers and resident ID numbers."""

from __future__ import annotations

import random
from datetime import date, timedelta

from gongzhi.core.validators import id_number_check_char

from . import catalog
from .logins import RESERVED_PHONE_PREFIX

# Cumulative weights so the first surnames are drawn more often (王, 李, 张 …).
_SURNAME_WEIGHTS = [1.0 / (i + 8) for i in range(len(catalog.SURNAMES))]


class Identities:
    """Draws names, phones and ID numbers; phones and ID numbers never repeat.

    One instance is shared by the whole run so uniqueness holds across
    communities; the caller passes the ``rng`` so each step stays reproducible.
    """

    def __init__(self) -> None:
        self.phones: set[str] = set()
        self.id_numbers: set[str] = set()

    # Names ----------------------------------------------------------------
    @staticmethod
    def surname(rng: random.Random) -> str:
        return rng.choices(catalog.SURNAMES, weights=_SURNAME_WEIGHTS)[0]

    @staticmethod
    def given_name(rng: random.Random, gender: str) -> str:
        pool = catalog.GIVEN_MALE if gender == "M" else catalog.GIVEN_FEMALE
        first = rng.choice(pool)
        if rng.random() < 0.35:
            return first  # one-character given name: 王伟
        second = rng.choice(pool + catalog.GIVEN_ANY)
        return (rng.choice(catalog.GIVEN_ANY) + first) if rng.random() < 0.3 else first + second

    def name(self, rng: random.Random, gender: str, surname: str | None = None) -> str:
        return (surname or self.surname(rng)) + self.given_name(rng, gender)

    # Contacts -------------------------------------------------------------
    def phone(self, rng: random.Random) -> str:
        while True:
            phone = rng.choice(catalog.MOBILE_PREFIXES) + f"{rng.randrange(100_000_000):08d}"
            if phone.startswith(RESERVED_PHONE_PREFIX) or phone in self.phones:
                continue
            self.phones.add(phone)
            return phone

    def id_number(self, rng: random.Random, birth: date, gender: str) -> str:
        """18 characters: area code, birth date, sequence (odd = male), check character."""
        while True:
            seq = rng.randrange(500) * 2 + (1 if gender == "M" else 0)
            first17 = f"{rng.choice(catalog.ID_AREA_CODES)}{birth:%Y%m%d}{seq:03d}"
            number = first17 + id_number_check_char(first17)
            if number not in self.id_numbers:
                self.id_numbers.add(number)
                return number


def birth_date_for(rng: random.Random, as_of: date, age: int) -> date:
    """A birth date that makes someone ``age`` years old on ``as_of``."""
    return as_of - timedelta(days=age * 365 + age // 4 + rng.randrange(1, 365))


def age_on(birth: date, as_of: date) -> int:
    return as_of.year - birth.year - ((as_of.month, as_of.day) < (birth.month, birth.day))
