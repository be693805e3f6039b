"""The clock (ml/clock.py): --as-of values, snapshot stamps and the UTC convention, across the
March 2026 clock change (01:00 UTC on Sunday 29 March, GMT to BST)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest

from ml import clock


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # UK time without a zone: GMT before the change, BST after it.
        ("2026-03-28 15:00", datetime(2026, 3, 28, 15, 0, tzinfo=UTC)),
        ("2026-03-29 14:00", datetime(2026, 3, 29, 13, 0, tzinfo=UTC)),
        ("2026-03-29", datetime(2026, 3, 29, 0, 0, tzinfo=UTC)),  # midnight GMT, before 01:00
        ("2026-04-01", datetime(2026, 3, 31, 23, 0, tzinfo=UTC)),  # midnight BST
        # Explicit zones and snapshot stamps (UTC, as the archive names them).
        ("2026-03-29T14:00Z", datetime(2026, 3, 29, 14, 0, tzinfo=UTC)),
        ("2026-03-29T14:00+01:00", datetime(2026, 3, 29, 13, 0, tzinfo=UTC)),
        ("2026-02-27T1856", datetime(2026, 2, 27, 18, 56, tzinfo=UTC)),
        (" 2026-05-25T1951 ", datetime(2026, 5, 25, 19, 51, tzinfo=UTC)),
    ],
)
def test_parse_as_of(text: str, expected: datetime) -> None:
    parsed = clock.parse_as_of(text)
    assert parsed == expected
    assert parsed.tzinfo is not None


def test_a_bad_as_of_names_the_value_and_the_forms() -> None:
    with pytest.raises(clock.ClockError, match=r"'next tuesday'.*2026-02-27 10:00"):
        clock.parse_as_of("next tuesday")


def test_the_stored_convention_is_naive_utc() -> None:
    bst = timezone(timedelta(hours=1))
    assert clock.utc_naive(datetime(2026, 3, 29, 14, 0, tzinfo=bst)) == datetime(2026, 3, 29, 13)
    assert clock.utc_naive(datetime(2026, 3, 29, 13, 0)) == datetime(2026, 3, 29, 13)  # naive: UTC
    assert clock.uk_local(datetime(2026, 3, 29, 13, 0)) == datetime(2026, 3, 29, 14, 0)
    assert clock.uk_local(datetime(2026, 3, 28, 15, 0)) == datetime(2026, 3, 28, 15, 0)
    assert clock.uk_local_to_utc(date(2026, 3, 29), time(14, 0)) == datetime(2026, 3, 29, 13)
    assert clock.uk_local_to_utc(date(2026, 3, 28), time(15, 0)) == datetime(2026, 3, 28, 15)


def test_snapshot_time_and_description() -> None:
    assert clock.snapshot_time("E0_2026-03-30T0912.csv") == datetime(2026, 3, 30, 9, 12, tzinfo=UTC)
    assert clock.snapshot_time("E0.csv") is None
    assert (
        clock.describe(datetime(2026, 3, 29, 13, 0, tzinfo=UTC))
        == "2026-03-29 13:00 UTC (14:00 BST)"
    )
    assert (
        clock.describe(datetime(2026, 3, 28, 15, 0, tzinfo=UTC))
        == "2026-03-28 15:00 UTC (15:00 GMT)"
    )
