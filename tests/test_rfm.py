"""RFM cells and segments on SQLite and PostgreSQL: quintiles by NTILE(5) over active customers."""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from store.db import transaction
from store.models import Customer, Deal
from store.rfm import SEGMENT_GRID, SEGMENT_POINTS, SEGMENTS, rfm_cells, rfm_of, segment_of

UTC = timezone.utc
NOW = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)

# name -> won deals (signed_on, amount). Created in this order, so ids rise down the list.
WON = {
    "c1": [(date(2026, 1, 10), 1000)],
    "c2": [(date(2026, 2, 1), 30000), (date(2026, 4, 1), 20000), (date(2026, 6, 1), 20000), (date(2026, 8, 1), 10000),
           (date(2026, 10, 1), 10000)],                                  # 5 deals, 90,000
    "c3": [(date(2026, 1, 1), 20000), (date(2026, 3, 1), 10000), (date(2026, 5, 1), 10000), (date(2026, 10, 1), 10000)],  # 4, 50,000
    "c4": [(date(2025, 6, 1), 30000), (date(2025, 9, 1), 30000), (date(2025, 12, 1), 20000)],  # 3, 80,000
    "c5": [(date(2026, 10, 1), 2000)],
    "c6": [(date(2026, 2, 2), 10000), (date(2026, 6, 30), 10000)],       # 2, 20,000
    "c7": [(date(2025, 5, 5), 15000), (date(2025, 11, 20), 5000)],       # 2, 20,000
    "c8": [(date(2026, 1, 5), 5000), (date(2026, 4, 5), 5000), (date(2026, 8, 1), 10000)],  # 3, 20,000
    "c9": [(date(2026, 3, 3), 500)],
    "c10": [(date(2026, 2, 7), 30000), (date(2026, 7, 7), 30000)],       # 2, 60,000
}
# Ten customers: NTILE(5) deals out two rows per quintile, in the order of the value then the id.
# R, latest sign date ascending: c7 2025-11-20, c4 2025-12-01 | c1 2026-01-10, c9 03-03 | c6 06-30,
#    c10 07-07 | c8 08-01, c2 10-01 | c3 10-01, c5 10-01   (c2, c3, c5 tie: by id, c2 falls in 4)
# F, deal count ascending: c1 1, c5 1 | c9 1, c6 2 | c7 2, c10 2 | c4 3, c8 3 | c3 4, c2 5
#    (the three 1s and three 2s tie across quintiles: by id)
# M, amount ascending: c9 500, c1 1,000 | c5 2,000, c6 20,000 | c7 20,000, c8 20,000 | c3 50,000,
#    c10 60,000 | c4 80,000, c2 90,000   (c6, c7, c8 tie at 20,000: by id)
# Segment: R and FM = (F + M + 1) // 2 on the grid in store/rfm.py.
EXPECTED = {
    "c1": ("2-1-1", "hibernating"),         # FM (1+1+1)//2 = 1, R 2
    "c2": ("4-5-5", "loyal"),               # FM 5, R 4
    "c3": ("5-5-4", "champions"),           # FM (5+4+1)//2 = 5, R 5
    "c4": ("1-4-5", "cant_lose"),           # FM 5, R 1
    "c5": ("5-1-2", "potential_loyalist"),  # FM (1+2+1)//2 = 2, R 5
    "c6": ("3-2-2", "about_to_sleep"),      # FM 2, R 3
    "c7": ("1-3-3", "at_risk"),             # FM 3, R 1
    "c8": ("4-4-3", "loyal"),               # FM (4+3+1)//2 = 4, R 4
    "c9": ("2-2-1", "hibernating"),         # FM (2+1+1)//2 = 2, R 2
    "c10": ("3-3-4", "loyal"),              # FM (3+4+1)//2 = 4, R 3
}


def _customer(s, name: str, stage: str = "mature") -> int:
    row = Customer(code=f"C{name.upper()}", name=name, name_norm=name, stage=stage, status="stable", owner_id="U1",
                   created_by="U1", created_at=NOW, updated_at=NOW)
    s.add(row)
    s.flush()
    return row.id


def _deal(s, customer_id: int, signed_on: date, amount: int, stage: str = "won") -> None:
    s.add(Deal(customer_id=customer_id, title="d", amount=Decimal(amount), stage=stage, owner_id="U1", created_by="U1",
               stage_changed_at=NOW, signed_on=signed_on if stage == "won" else None))


@pytest.fixture
def ten(db):
    ids = {}
    with transaction(db) as s:
        for i, (name, deals) in enumerate(WON.items()):
            ids[name] = _customer(s, name, "converted" if i % 3 == 0 else "mature")
            for signed_on, amount in deals:
                _deal(s, ids[name], signed_on, amount)
            if name == "c5":  # between them, customers that must not count
                lead = _customer(s, "a lead", "lead")
                _deal(s, lead, date(2026, 11, 1), 900000)
                churned = _customer(s, "gone", "churned")
                _deal(s, churned, date(2026, 11, 2), 800000)
        ids["no deal"] = _customer(s, "no deal")
        _deal(s, ids["no deal"], date(2026, 11, 3), 700000, stage="negotiation")
        _deal(s, ids["c9"], date(2026, 11, 4), 600000, stage="lost")  # a lost deal counts for nothing
    return ids


def test_ten_customers_get_their_quintiles_and_segments(db, ten):
    with transaction(db) as s:
        cells = rfm_cells(session=s)
    by_name = {name: (cells[cid].cell, cells[cid].segment) for name, cid in ten.items() if cid in cells}
    assert by_name == EXPECTED
    assert ten["no deal"] not in cells and len(cells) == 10
    c2 = cells[ten["c2"]]
    assert (c2.r, c2.f, c2.m, c2.last_won_on, c2.deals, c2.amount) == (4, 5, 5, date(2026, 10, 1), 5, Decimal("90000"))


def test_narrowing_to_some_customers_keeps_the_quintiles_of_all(db, ten):
    with transaction(db) as s:
        some = rfm_cells(session=s, customer_ids=[ten["c4"], ten["c7"], ten["no deal"]])
        one = rfm_of(session=s, customer_id=ten["c10"])
        none = rfm_of(session=s, customer_id=ten["no deal"])
    assert {cid: (cell.cell, cell.segment) for cid, cell in some.items()} == {
        ten["c4"]: ("1-4-5", "cant_lose"), ten["c7"]: ("1-3-3", "at_risk")}
    assert (one.cell, one.segment, none) == ("3-3-4", "loyal", None)


def test_fewer_than_five_customers_take_the_first_quintiles(db):
    with transaction(db) as s:
        a, b, c = (_customer(s, name) for name in ("a", "b", "c"))
        for cid, signed, amount in ((a, date(2026, 5, 1), 300), (b, date(2026, 3, 1), 100), (c, date(2026, 4, 1), 200)):
            _deal(s, cid, signed, amount)
    with transaction(db) as s:
        cells = rfm_cells(session=s)
    # three rows: NTILE(5) gives 1, 2, 3. F all tie at one deal: by id a, b, c
    assert {cid: cells[cid].cell for cid in (a, b, c)} == {a: "3-1-3", b: "1-2-1", c: "2-3-2"}


def test_the_segment_grid():
    assert [segment_of(5, 1, 1), segment_of(4, 1, 1), segment_of(3, 3, 3), segment_of(1, 1, 2), segment_of(1, 2, 2),
            segment_of(2, 2, 1), segment_of(2, 5, 4), segment_of(2, 3, 3), segment_of(3, 4, 3), segment_of(3, 3, 2),
            segment_of(4, 3, 2), segment_of(5, 4, 4), segment_of(3, 1, 2)] == [
        "new_customer", "promising", "need_attention", "lost", "lost",
        "hibernating", "cant_lose", "at_risk", "loyal", "need_attention",
        "potential_loyalist", "champions", "about_to_sleep"]
    reached = {segment_of(r, f, m) for r in range(1, 6) for f in range(1, 6) for m in range(1, 6)}
    assert reached == set(SEGMENTS) == set(SEGMENT_POINTS) == {s for row in SEGMENT_GRID for s in row}
    assert len(SEGMENTS) == 11
    with pytest.raises(ValueError):
        segment_of(0, 3, 3)
    with pytest.raises(ValueError):
        segment_of(3, 6, 3)
