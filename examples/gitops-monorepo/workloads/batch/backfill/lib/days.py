"""Date helpers."""

import datetime


def days_since(start: str, today: datetime.date | None = None) -> list[datetime.date]:
    first = datetime.date.fromisoformat(start)
    last = today or datetime.date.today()
    return [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]
