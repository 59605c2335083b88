"""What every part of the demo loader shares: the demo clock and the cast (people, reference
data and the initiatives walked so far) that walk.py builds and the registers, reports and
governance seeding read."""
from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from ..models import Department, Initiative, Programme, StrategicPriority, User


class DemoClock:
    """The seeding's "now": moves forward through the demo's past, landing in office hours."""

    def __init__(self, rng: random.Random, latest: datetime):
        self.rng = rng
        self.latest = latest
        self.now = latest

    @property
    def today(self) -> date:
        return self.now.date()

    def start(self, when: datetime) -> None:
        self.now = self._office_hours(when)

    def advance(self, days: float) -> None:
        later = max(self._office_hours(self.now + timedelta(days=days)), self.now + timedelta(minutes=7))
        self.now = min(later, self.latest)

    def _office_hours(self, moment: datetime) -> datetime:
        while moment.weekday() >= 5:
            moment += timedelta(days=1)
        return moment.replace(hour=self.rng.randint(8, 16), minute=self.rng.randrange(0, 60, 5),
                              second=0, microsecond=0)



@dataclass
class Cast:
    """Who and what the walks refer to: people, reference data, and initiatives walked so far."""

    rng: random.Random
    clock: DemoClock
    people: dict[str, User]
    departments: dict[str, Department]
    priorities: dict[str, StrategicPriority]
    programmes: dict[str, Programme]
    weights: dict[str, int]
    walked: dict[str, Initiative] = field(default_factory=dict)
    lessons_given: Counter[str] = field(default_factory=Counter)
