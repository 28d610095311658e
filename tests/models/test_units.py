"""The named constants: each is its definition, written out here."""

from hashlease.models import units


def test_constants_are_their_definitions():
    assert (units.SECONDS_PER_DAY, units.HOURS_PER_DAY, units.MONTHS_PER_YEAR) == (24 * 60 * 60, 24, 12)
    assert units.DAYS_PER_MEAN_MONTH == 30.4375                      # 365.25 / 12, exact in binary
    assert (units.W_PER_KW, units.KW_PER_MW, units.W_PER_MW) == (1_000, 1_000, 1_000_000)
    assert units.KW_MONTHS_PER_MW_YEAR == 12_000                       # 1,000 kW x 12 months
    assert units.TH_PER_PH == 1_000
    assert set(units.__all__) <= set(dir(units))
