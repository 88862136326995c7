import datetime

from search.expiry import is_expired, last_day, last_day_text

TODAY = datetime.date(2026, 12, 1)


def test_an_offer_is_current_through_its_valid_until_day():
    assert not is_expired("offer", {"valid_until": "2026-12-01"}, TODAY)
    assert is_expired("offer", {"valid_until": "2026-11-30"}, TODAY)
    assert not is_expired("offer", {}, TODAY)


def test_a_need_closes_after_its_due_date_or_its_validity():
    assert is_expired("need", {"due_date": "2026-11-30"}, TODAY)
    assert is_expired("need", {"due_date": "2027-01-01", "valid_until": "2026-11-01"}, TODAY)
    assert last_day("need", {"due_date": "2026-12-11", "valid_until": "2027-01-01"}) == (
        datetime.date(2026, 12, 11)
    )


def test_places_never_expire_and_bad_days_are_ignored():
    assert last_day("profile", {"valid_until": "2000-01-01"}) is None
    assert last_day_text("offer", {"valid_until": "2026-02-30"}) == ""
    assert last_day_text("offer", {"valid_until": 20261201}) == ""
    assert last_day_text("need", "not a body") == ""
