"""Dated rows: price history, lookups as of a date, API prices (issue 9, items 4 and 5).

Expected prices are the providers' announcements, written beside each assertion; none
is read back from the catalog's own output.
"""

import datetime

import pytest

from xlcost import catalog, udfs
from xlcost.catalog import Table, as_of_date
from xlcost.errors import CatalogError, InputError


@pytest.fixture(autouse=True)
def _clean_overrides():
    catalog.reset_overrides()
    yield
    catalog.reset_overrides()


# ---------------------------------------------------------------- API_COST (the "must show")
def test_api_cost_gpt4o_today_and_at_launch():
    # today: gpt-4o (-> gpt-4o-2024-08-06) $2.50 in + $10.00 out per 1M (OpenAI, 2024-08-06)
    assert udfs.API_COST("gpt-4o", 1e6, 1e6) == pytest.approx(12.50)
    # launch, May 2024: $5 in + $15 out per 1M (OpenAI, 'Hello GPT-4o', 2024-05-13)
    assert udfs.API_COST("gpt-4o", 1e6, 1e6, None, "2024-06-01") == pytest.approx(20.00)


@pytest.mark.parametrize(
    "as_of",
    [
        "2024-06-01",  # text
        45444.0,  # Office.js: the Excel serial number of 2024-06-01
        datetime.datetime(2024, 6, 1),  # classic xlwings: a date cell as a datetime
        [[45444.0]],  # a 1x1 range
    ],
)
def test_as_of_arrives_in_every_form_excel_sends(as_of):
    assert udfs.API_COST("gpt-4o", 1e6, 1e6, None, as_of) == pytest.approx(20.00)


def test_as_of_before_a_names_history_says_when_it_starts():
    with pytest.raises(InputError, match=r"as_of is before .*'gpt-4o', which starts 2024-05-13"):
        catalog.api_price("gpt-4o", as_of="2024-01-01")
    cell = udfs.API_COST("gpt-4o", 1e6, 1e6, None, "2024-01-01")
    assert cell.startswith("#VALUE!") and "starts 2024-05-13" in cell


def test_cached_input_is_billed_at_the_cached_price():
    # gpt-4.1: $2.00 in, $0.50 cached, $8.00 out per 1M (OpenAI, 2025-04-14)
    # 1M input of which 600k cached, 100k output: 0.4 x 2.00 + 0.6 x 0.50 + 0.1 x 8.00 = 1.90
    assert udfs.API_COST("gpt-4.1", 1e6, 1e5, 6e5) == pytest.approx(1.90)
    # Anthropic cache reads: claude-sonnet-4 $3 in, $0.30 cache hit, $15 out; all 100k input cached
    assert catalog.api_request_cost_usd("claude-sonnet-4", 1e5, 0, 1e5) == pytest.approx(0.030)
    # a 1M prompt is over 200k: the long-context tier's cache read, 10% of $6 = $0.60 per MTok
    assert catalog.api_request_cost_usd("claude-sonnet-4", 1e6, 0, 1e6) == pytest.approx(0.60)


def test_cached_tokens_without_a_cached_price_are_refused():
    # gpt-4 (2023) had no prompt caching: billing cached tokens at any price would be a guess
    cell = udfs.API_COST("gpt-4", 1e6, 1e6, 5e5, "2024-06-01")
    assert cell.startswith("#VALUE!") and "no cached-input price" in cell
    # ... while gpt-4o before 2024-10-01 had none either
    with pytest.raises(InputError, match="cached-input"):
        catalog.api_request_cost_usd("gpt-4o", 1e6, 0, 1e5, as_of="2024-09-01")


def test_cached_tokens_cannot_exceed_input_tokens():
    assert "must not exceed input_tokens" in udfs.API_COST("gpt-4.1", 1e5, 0, 2e5)


def test_api_cost_spills_over_a_range_of_models_and_errors_alone():
    out = udfs.API_COST([["gpt-4o"], ["deepseek-chat"], ["no-such-model"]], 1e6, 1e6)
    # deepseek-chat since 2025-09-29 (V3.2-Exp): $0.28 miss in, $0.42 out per 1M
    assert out[0][0] == pytest.approx(12.50) and out[1][0] == pytest.approx(0.70)
    assert out[2][0].startswith("#VALUE!") and "no-such-model" in out[2][0]


@pytest.mark.parametrize(
    "name, as_of, price_in, price_out",
    [
        ("gpt-3.5-turbo", "2023-04-01", 2.00, 2.00),  # launch 2023-03-01: $0.002 / 1K both ways
        ("gpt-3.5-turbo", "2023-09-01", 1.50, 2.00),  # 2023-06-13: input cut 25%
        ("gpt-3.5-turbo", None, 0.50, 1.50),  # 0125 (2024-01-25)
        ("o3", "2025-05-01", 10.00, 40.00),  # launch 2025-04-16
        ("o3", None, 2.00, 8.00),  # 80% cut, 2025-06-10
        ("deepseek-chat", "2025-03-01", 0.27, 1.10),  # after the V3 launch discount
        ("deepseek-chat", "2025-09-10", 0.56, 1.68),  # V3.1 pricing from 2025-09-05
        ("gemini-1.5-pro", "2024-07-01", 3.50, 10.50),  # I/O 2024, prompts <= 128K
        ("gemini-1.5-pro", "2024-10-02", 1.25, 5.00),  # >50% cut effective 2024-10-01
    ],
)
def test_price_history(name, as_of, price_in, price_out):
    row = catalog.api_price(name, as_of=as_of)
    assert (row["price_input_usd_per_1m_tokens"], row["price_output_usd_per_1m_tokens"]) == (price_in, price_out)


def test_article_rows_keep_their_per_1k_values_and_get_per_1m_ones():
    davinci = catalog.api_price("Davinci")
    assert davinci["price_input_usd_per_1k_tokens"] == 0.02  # the article's Table 1, as printed
    assert davinci["price_input_usd_per_1m_tokens"] == pytest.approx(20.0)  # 0.02 x 1,000
    assert catalog.api_price("gpt-4o")["price_output_usd_per_1k_tokens"] == pytest.approx(0.010)  # $10 / 1M


# ---------------------------------------------------------------- instances and chips as of a date
def test_p4d_price_cut_of_june_2025():
    # AWS price list: 32.7726 until May 2025 (the article's 32.77), 21.957642 from June 2025
    assert catalog.hardware("p4d.24xlarge", as_of="2025-05-31").price_usd_per_hour() == pytest.approx(32.77)
    assert catalog.hardware("p4d.24xlarge", as_of="2025-06-15").price_usd_per_hour() == pytest.approx(21.957642)
    assert catalog.hardware("p4d.24xlarge").price_usd_per_hour() == pytest.approx(21.957642)
    assert catalog.hardware("p5.48xlarge", as_of="2024-06-01").price_usd_per_hour() == 98.32  # before the cut
    assert catalog.hardware("p5.48xlarge").price_usd_per_hour() == 55.04  # June 2025, -44%


def test_no_hack_names_remain():
    # dated rows replaced the "p4d.24xlarge@2025-06" style names
    for name in catalog.FILES:
        assert not [n for n in catalog.table(name).names() if "@" in n], name


def test_an_instance_with_no_sourced_rate_refuses_rather_than_guess():
    # AWS sells p5e.48xlarge through Capacity Blocks only: no on-demand list price, so the catalog's is empty
    with pytest.raises(InputError, match="price_on_demand_usd_per_hour is not in the catalog for p5e.48xlarge"):
        catalog.hardware("p5e.48xlarge").price_usd_per_hour()


def test_p4de_before_and_after_the_june_2025_cut():
    # AWS's list: 40.96575 before the cut, 27.44705 after (us-east-1, Linux, on demand): the same 33% as p4d
    assert catalog.hardware("p4de.24xlarge", as_of="2025-01-01").price_usd_per_hour() == pytest.approx(40.96575)
    assert catalog.hardware("p4de.24xlarge").price_usd_per_hour() == pytest.approx(27.44705)


def test_spot_is_a_price_term():
    # Vast.ai 8x H100 spot floor, $1.52 per GPU-hour (April 2026): 8 x 1.52 = 12.16
    assert catalog.hardware("vastai-8x-h100").price_usd_per_hour("spot") == pytest.approx(12.16)
    with pytest.raises(InputError, match="term must be one of on_demand, 1yr, 3yr, spot"):
        catalog.hardware("p5.48xlarge").price_usd_per_hour("weekly")


def test_chip_before_its_announcement_is_an_error():
    with pytest.raises(InputError, match="which starts 2025-06"):
        catalog.hardware("MI355X", as_of="2024-01-01")


def test_xlcost_spec_and_catalog_take_as_of():
    assert udfs.XLCOST_SPEC("p4d.24xlarge", "price_on_demand_usd_per_hour", "2024-06-01") == pytest.approx(32.77)
    assert udfs.XLCOST_SPEC("gpt-4o", "price_input_usd_per_1m_tokens", 45444.0) == 5.0
    table = udfs.XLCOST_CATALOG("api", "2023-06-01")
    names = [row[0] for row in table[1:]]
    assert "gpt-4o" not in names  # launched 2024-05-13
    assert "gpt-3.5-turbo" in names and "Davinci" in names
    turbo = table[1:][names.index("gpt-3.5-turbo")]
    assert turbo[table[0].index("price_input_usd_per_1m_tokens")] == 2.0  # the March 2023 price
    assert udfs.XLCOST_CATALOG("api", "not a date").startswith("#VALUE! as_of must be a date")


# ---------------------------------------------------------------- the date reader
@pytest.mark.parametrize(
    "value, expected",
    [
        (None, None),
        ("", None),
        ("2024-06-01", datetime.date(2024, 6, 1)),
        ("2024-06", datetime.date(2024, 6, 1)),
        (45444, datetime.date(2024, 6, 1)),  # Excel serial: 1899-12-30 + 45444 days
        (45444.75, datetime.date(2024, 6, 1)),  # a date-time cell: the day counts
        (36526, datetime.date(2000, 1, 1)),
        (datetime.date(2024, 6, 1), datetime.date(2024, 6, 1)),
    ],
)
def test_as_of_date(value, expected):
    assert as_of_date(value) == expected


@pytest.mark.parametrize("value, message", [(2024, "for the year 2024 type 2024-01-01"), ("June", "must be a date"),
                                            (True, "must be a date"), (-5, "Excel date number")])
def test_as_of_date_refuses_with_a_reason(value, message):
    with pytest.raises(InputError, match=message):
        as_of_date(value)


# ---------------------------------------------------------------- history rules and overrides
def _row(name, date, aliases="", price=1.0):
    return {"name": name, "aliases": aliases, "date": date, "price": price}


def test_rows_of_one_name_form_a_history_in_date_order():
    table = Table("API model", [_row("m", "2025-01", price=2.0), _row("m", "2024-01", "alias", price=1.0)], "t.csv")
    assert table.get("alias", "2024-06-01")["price"] == 1.0
    assert table.get("m")["price"] == 2.0
    assert [r["price"] for r in table.all_rows()] == [1.0, 2.0]
    assert len(table.rows) == 1


def test_two_rows_of_one_name_on_one_date_are_a_catalog_error():
    with pytest.raises(CatalogError, match="row 3, column 'date'.*already has a row in force from 2024-01"):
        Table("chip", [_row("m", "2024-01"), _row("m", "2024-01-01")], "t.csv")


def test_a_name_that_is_another_rows_alias_is_a_catalog_error():
    with pytest.raises(CatalogError, match="'gpt' is already an alias of 'gpt-x'"):
        Table("API model", [_row("gpt-x", "2024-01", "gpt"), _row("gpt", "2024-02")], "t.csv")


def test_override_replaces_the_whole_history_of_a_name(tmp_path):
    path = tmp_path / "api_prices.csv"
    path.write_text(
        "name,price_input_usd_per_1m_tokens,price_output_usd_per_1m_tokens,source,date\n"
        "gpt-4o,2.00,8.00,our negotiated rate,2026-01-01\n"
        "gpt-4o,2.20,9.00,our negotiated rate,2025-01-01\n",
        encoding="utf-8",
    )
    assert catalog.load_overrides(path) == 2
    assert catalog.api_request_cost_usd("gpt-4o", 1e6, 1e6) == pytest.approx(10.0)
    assert catalog.api_request_cost_usd("gpt-4o", 1e6, 1e6, as_of="2025-06-01") == pytest.approx(11.2)
    with pytest.raises(InputError, match="starts 2025-01-01"):  # the shipped 2024 rows are replaced
        catalog.api_price("gpt-4o", as_of="2024-06-01")


def test_an_override_row_with_disagreeing_per_1k_and_per_1m_prices_is_refused(tmp_path):
    path = tmp_path / "api_prices.csv"
    path.write_text(
        "name,price_input_usd_per_1m_tokens,price_input_usd_per_1k_tokens,source,date\nx,2.0,0.003,mine,2026-01\n",
        encoding="utf-8",
    )
    with pytest.raises(CatalogError, match="price_input_usd_per_1k_tokens.*disagrees"):
        catalog.load_overrides(path)
