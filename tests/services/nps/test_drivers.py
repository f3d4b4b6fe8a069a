"""Key drivers: Pearson correlations with known answers, group averages, and the not-enough-data case."""
from __future__ import annotations

import math

import pytest

from ambassador.services.nps import drivers as nps_drivers

from .insights_data import response, survey


def test_pearson_known_values():
    # Σ(dx·dy) = 6, Σdx² = 10, Σdy² = 6 → r = 6 / √60 = √0.6
    assert nps_drivers.pearson([1, 2, 3, 4, 5], [2, 4, 5, 4, 5]) == pytest.approx(math.sqrt(0.6))
    assert nps_drivers.pearson([1, 2, 3], [10, 20, 30]) == pytest.approx(1.0)
    assert nps_drivers.pearson([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)
    assert nps_drivers.pearson([1, 2, 3, 4], [1, 3, 1, 3]) == pytest.approx(0.4472136)  # 2 / √20
    assert nps_drivers.pearson([5, 5, 5], [1, 2, 3]) is None  # no spread: undefined, not 0
    assert nps_drivers.pearson([1], [1]) is None
    assert nps_drivers.pearson([], []) is None


def test_key_drivers_on_a_known_dataset(db, make):
    org = make.org()
    item = survey(db, org, aspects=("Service", "Price", "Product", "Parking"))
    recommend = [4, 8, 10, 8, 10] * 2  # = 2 × (2, 4, 5, 4, 5): a scale change leaves r alone
    service = [1, 2, 3, 4, 5] * 2
    for i, (score, s) in enumerate(zip(recommend, service, strict=True)):
        aspects = {"Service": s, "Price": 10 - score, "Product": 7}
        if i < 9:
            aspects["Parking"] = i
        response(db, item, score, aspects=aspects)
    response(db, item, 9)  # no aspect scores: not counted in n
    other = survey(db, make.org(), aspects=("Service",))
    for _ in range(10):
        response(db, other, 0, aspects={"Service": 10})  # another organization's answers change nothing

    drivers = nps_drivers.key_drivers(survey=item)
    assert [d.label("en") for d in drivers] == ["Service", "Price", "Product", "Parking"]
    by_label = {d.label("en"): d for d in drivers}

    service_driver = by_label["Service"]
    assert service_driver.n == 10 and service_driver.enough_data
    assert service_driver.correlation == pytest.approx(math.sqrt(0.6))
    # Promoters (10) rated service 3 and 5, passives (8) 2 and 4, detractors (4) 1.
    assert service_driver.averages == {"promoter": 4.0, "passive": 3.0, "detractor": 1.0}
    assert service_driver.gap == 3.0

    assert by_label["Price"].correlation == pytest.approx(-1.0)
    assert by_label["Product"].n == 10 and by_label["Product"].correlation is None  # everyone gave 7

    parking = by_label["Parking"]
    assert parking.n == 9 and not parking.enough_data
    assert parking.correlation is None  # not enough data: no number to misread


def test_key_drivers_without_answers(db, make):
    item = survey(db, make.org(), aspects=("Service",))
    [driver] = nps_drivers.key_drivers(survey=item)
    assert driver.n == 0 and driver.correlation is None and not driver.enough_data
    assert driver.averages == {"promoter": None, "passive": None, "detractor": None}
    assert driver.gap is None
    assert nps_drivers.key_drivers(survey=survey(db, make.org())) == []


def test_labels_fall_back_to_english(db, make):
    item = survey(db, make.org(), aspects=("Service",))
    item.aspects[0].label = {"en": "Service", "nl": "Bediening"}
    [driver] = nps_drivers.key_drivers(survey=item)
    assert driver.label("nl") == "Bediening"
    assert driver.label("fr") == "Service"
