"""API_COST and the catalog functions through the Office.js path (xlwings.server), where
dates arrive as Excel serial numbers and every argument as a 2-D matrix."""

import pytest
from test_udfs_officejs import call, error_type, m  # the Office.js harness (it sets up xlwings.server)


def test_api_cost_with_a_serial_date():
    # gpt-4o: $2.50 + $10.00 per 1M today; $5 + $15 at launch (45444 = 2024-06-01)
    assert call("API_COST", m("gpt-4o"), m(1e6), m(1e6), m(None), m(None)) == [[pytest.approx(12.5)]]
    assert call("API_COST", m("gpt-4o"), m(1e6), m(1e6), m(None), m(45444)) == [[pytest.approx(20.0)]]


def test_a_date_before_the_history_is_a_value_error_with_its_message():
    with pytest.raises(Exception, match="which starts 2024-05-13"):
        call("API_COST", m("gpt-4o"), m(1e6), m(1e6), m(None), m(45292))  # 2024-01-01


def test_a_bad_model_in_a_range_errors_alone():
    out = call("API_COST", [["gpt-4o"], ["nope"]], m(1e6), m(1e6), m(None), m(None))
    assert out[0][0] == pytest.approx(12.5) and error_type(out[1][0]) == "Value"


def test_spec_and_catalog_as_of_serial_dates():
    # p4d.24xlarge on-demand: $32.77 before AWS's June 2025 cut (45444 = 2024-06-01)
    assert call("XLCOST_SPEC", m("p4d.24xlarge"), m("price_on_demand_usd_per_hour"), m(45444)) == [[32.77]]
    table = call("XLCOST_CATALOG", m("api"), m(45444))
    assert "gpt-5" not in [row[0] for row in table[1:]]  # launched 2025-08-07
