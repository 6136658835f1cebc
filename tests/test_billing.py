"""Issue 18: API prices as billed (tiers, batch, cache writes), one meaning for a price, BREAK_EVEN_LOAD.

Expected values are the providers' published rates multiplied out by hand, not the code's output.
"""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlcost import catalog, serving, udfs
from xlcost.cli import main
from xlcost.errors import InputError


def test_long_prompts_bill_the_whole_request_at_the_tier_over_200k():
    # Google: gemini-2.5-pro prompts > 200k tokens $2.50 in / $15.00 out per 1M -> 0.5 x 2.50 + 0.001 x 15 = 1.265
    assert udfs.API_COST("gemini-2.5-pro", 500_000, 1_000) == pytest.approx(1.265, rel=1e-9)
    # Anthropic: Sonnet 4 prompts > 200k tokens $6 in / $22.50 out per MTok -> 3.00 + 0.0225 = 3.0225
    assert udfs.API_COST("claude-sonnet-4", 500_000, 1_000) == pytest.approx(3.0225, rel=1e-9)
    # exactly 200k is not over the threshold: $3 / $15 -> 0.6 + 0.015
    assert udfs.API_COST("claude-sonnet-4", 200_000, 1_000) == pytest.approx(0.615, rel=1e-9)
    # before the 1M-context beta (2025-08-12) there was no tier: $3 / $15 on 500k -> 1.5 + 0.015
    assert udfs.API_COST("claude-sonnet-4", 500_000, 1_000, None, "2025-07-01") == pytest.approx(1.515, rel=1e-9)


def test_a_tier_is_chosen_per_request_inside_a_range():
    got = udfs.API_COST("gemini-2.5-pro", [[100_000, 300_000]], 0)
    assert got[0] == pytest.approx([0.125, 0.75], rel=1e-9)  # 100k x $1.25; 300k x $2.50


def test_the_batch_service_bills_the_batch_prices():
    # OpenAI Batch API, gpt-4o: $1.25 in / $5.00 out per 1M (half the $2.50 / $10 list price)
    assert udfs.API_COST("gpt-4o", 1e6, 1e6, None, None, "batch") == pytest.approx(6.25, rel=1e-9)
    assert udfs.API_COST("gpt-4o", 1e6, 1e6, None, None, "Standard") == pytest.approx(12.5, rel=1e-9)
    # Anthropic batch over 200k: $3.00 / $11.25 per MTok -> 1.5 + 0.01125
    assert udfs.API_COST("claude-sonnet-4", 500_000, 1_000, None, None, "batch") == pytest.approx(1.51125, rel=1e-9)


def test_gemini_batch_bills_half_the_standard_price_from_2025_07_07():
    # Google's Gemini API pricing, batch column: 2.5 Pro $0.625 / $5.00 per 1M (prompts <= 200k),
    # $1.25 / $7.50 (> 200k); 2.5 Flash $0.15 / $1.25. Batch mode launched 2025-07-07.
    assert catalog.api_request_cost_usd("gemini-2.5-pro", 100_000, 10_000, service="batch") == pytest.approx(0.1125)
    assert catalog.api_request_cost_usd("gemini-2.5-pro", 500_000, 1_000, service="batch") == pytest.approx(0.6325)
    assert catalog.api_request_cost_usd("gemini-2.5-flash", 1e6, 1e6, service="batch") == pytest.approx(1.40)
    with pytest.raises(InputError, match="batch"):
        catalog.api_request_cost_usd("gemini-2.5-flash", 1e6, 1e6, as_of="2025-07-01", service="batch")


def test_a_model_without_a_batch_price_refuses_the_batch_service():
    with pytest.raises(Exception, match="service"):
        catalog.api_request_cost_usd("deepseek-chat", 1e6, 1e6, service="batch")
    with pytest.raises(Exception, match="service"):
        catalog.api_request_cost_usd("gpt-4o", 1e6, 1e6, service="overnight")


def test_cache_writes_are_billed_where_the_provider_bills_them():
    # Anthropic: a 5-minute cache write costs 1.25 x input, Sonnet 4 $3.75 / MTok; over 200k, 1.25 x $6 = $7.50
    assert catalog.api_request_cost_usd("claude-sonnet-4", 1e5, 0, cache_write_tokens=1e5) == pytest.approx(0.375)
    assert catalog.api_request_cost_usd("claude-sonnet-4", 1e6, 0, cache_write_tokens=1e6) == pytest.approx(7.50)
    # OpenAI bills no write: written tokens are ordinary input ($2.50 / 1M for gpt-4o)
    assert catalog.api_request_cost_usd("gpt-4o", 1e6, 0, cache_write_tokens=1e6) == pytest.approx(2.50)
    with pytest.raises(Exception, match="cache_write_tokens"):
        catalog.api_request_cost_usd("gpt-4o", 1e6, 0, cached_input_tokens=6e5, cache_write_tokens=6e5)


def test_an_instance_price_typed_in_is_the_instance_price():
    # p5.48xlarge: its own catalog price typed in must give the answer the empty price gives (issue 18: was 8x)
    price = catalog.hardware("p5.48xlarge").price_usd_per_hour()
    assert udfs.SERVE_COST("Llama-3.1-8B", "p5.48xlarge", price) == pytest.approx(
        udfs.SERVE_COST("Llama-3.1-8B", "p5.48xlarge"), rel=1e-12)
    # a chip's price is per chip: 8 x H100 at price / 8 each is the same replica at the same cost
    assert udfs.SERVE_COST("Llama-3.1-8B", "H100", price / 8, 8) == pytest.approx(
        udfs.SERVE_COST("Llama-3.1-8B", "p5.48xlarge"), rel=1e-12)


def test_break_even_load_is_serve_cost_per_request_over_api_cost():
    for model, hardware, api, precision in [("Llama-3.1-8B", "p5.48xlarge", "gpt-4o-mini", None),
                                            ("Llama-3.1-70B", "p5.48xlarge", "gpt-4o", "fp8")]:
        own = udfs.SERVE_COST(model, hardware, None, None, 2000, 500, precision, None, "request")
        bought = udfs.API_COST(api, 2000, 500)
        got = udfs.BREAK_EVEN_LOAD(model, hardware, api, None, None, 2000, 500, precision)
        assert got == pytest.approx(own / bought, rel=0.02)


@settings(max_examples=15, deadline=None)
@given(st.floats(1.0, 200.0), st.floats(1.5, 4.0))
def test_break_even_load_grows_in_proportion_to_the_price(price, factor):
    # the replica's hourly price is the numerator's only money: k x price -> k x the load needed
    low = udfs.BREAK_EVEN_LOAD("Llama-3.1-8B", "H100", "gpt-4o-mini", price)
    high = udfs.BREAK_EVEN_LOAD("Llama-3.1-8B", "H100", "gpt-4o-mini", price * factor)
    assert high == pytest.approx(low * factor, rel=1e-9)


def test_break_even_load_names_a_bad_api_model():
    assert "api_model" in udfs.BREAK_EVEN_LOAD("Llama-3.1-8B", "H100", "no-such-api", 2.0)


def test_cli_prices_an_api_model_by_name(capsys):
    assert main(["calc", "api_cost", "--api-model", "gpt-4o", "--input-tokens", "1M", "--output-tokens", "1M"]) == 0
    assert "12.5" in capsys.readouterr().out  # $2.50 + $10.00 per 1M (OpenAI)
    assert main(["calc", "api_cost", "--api-model", "gpt-4o", "--input-tokens", "1M", "--output-tokens", "1M",
                 "--service", "BATCH"]) == 0
    assert "6.25" in capsys.readouterr().out
    assert main(["calc", "api_cost", "--api-model", "gpt-4o", "--input-tokens", "1M", "--output-tokens", "1M",
                 "--as-of", "2024-06-01"]) == 0
    assert "= 20 " in capsys.readouterr().out  # launch price $5 + $15


def test_cli_reads_choices_in_any_case_and_prices_as_of_a_date(capsys):
    args = ["calc", "serve_cost", "--model", "Llama-3.1-8B", "--hardware", "p5.48xlarge", "--precision", "FP8",
            "--per", "Request"]
    assert main(args) == 0
    now = float(capsys.readouterr().out.split("=")[1].split()[0])
    assert main(args + ["--as-of", "2024-06-01"]) == 0
    before = float(capsys.readouterr().out.split("=")[1].split()[0])
    assert before / now == pytest.approx(98.32 / 55.04, rel=0.01)  # AWS p5.48xlarge before and after the June 2025 cut
    assert main(["calc", "break_even_load", "--model", "Llama-3.1-8B", "--hardware", "p5.48xlarge",
                 "--api-model", "gpt-4o-mini", "--price-term", "ON_DEMAND"]) == 0
    assert "never pays" in capsys.readouterr().out


def test_catalog_check_lists_recently_checked_prices_apart_from_unchecked_ones():
    import datetime

    from xlcost.catalog import report

    lines = report.check(datetime.date(2026, 12, 4), 365)
    by_name = {line.split()[2]: line for line in lines if not line.startswith("missing")}
    # gpt-4o's newest row is 2024-10-02, but its price was compared with OpenAI's pricing page on 2026-12-04
    assert by_name["gpt-4o"].startswith("checked") and "2026-12-04" in by_name["gpt-4o"]
    # p6-b200.48xlarge has no dated on-demand price (an undated listing is not a check): stale, nobody checked it
    assert by_name["p6-b200.48xlarge"].startswith("stale") and "last checked" not in by_name["p6-b200.48xlarge"]
    # a model shut down by then is listed as retired, not as a price to check (Claude Sonnet 3.5: 2025-10-22,
    # Davinci: 2024-01-04); gpt-5 is announced to shut down on 2026-12-11: checked until then, retired from that day
    assert by_name["claude-3.5-sonnet"].startswith("retired") and "2025-10-22" in by_name["claude-3.5-sonnet"]
    assert by_name["Davinci"].startswith("retired") and "2024-01-04" in by_name["Davinci"]
    assert by_name["gpt-5"].startswith("checked") and by_name["gpt-5"].endswith("shuts down 2026-12-11")
    assert {line.split()[2]: line for line in report.check(datetime.date(2026, 12, 11), 365)}["gpt-5"].startswith("retired")
    # stale lines first, then checked, then retired; checked and retired alone need no action
    order = ["stale", "checked", "retired"]
    kinds = [line.split()[0] for line in lines if not line.startswith("missing")]
    assert kinds == sorted(kinds, key=order.index)
    assert not report.needs_action([line for line in lines if line.startswith(("checked", "retired"))])
    # a check older than the age is no check: the row is stale again, with its last check named
    later = {line.split()[2]: line for line in report.check(datetime.date(2027, 6, 1), 365)}
    assert later["claude-sonnet-4"].startswith("stale") and "last checked 2026-03-21" in later["claude-sonnet-4"]


def test_a_shut_down_model_is_not_billed_after_its_shutdown(monkeypatch):
    # OpenAI shut gpt-4 down on 2026-10-23; it was billed $30 / $60 per 1M tokens (input / output) from 2023-03-14
    cell = udfs.API_COST("gpt-4", 1e6, 1e6)
    assert cell.startswith("#VALUE!") and "shut down on 2026-10-23" in cell and "as_of" in cell
    assert udfs.API_COST("gpt-4", 1e6, 1e6, None, "2024-06-01") == pytest.approx(90.0)
    assert "on or after gpt-4's shutdown" in udfs.API_COST("gpt-4", 1e6, 1e6, None, "2026-10-23")
    # gpt-5 ($1.25 / $10) is billed until its announced shutdown on 2026-12-11, and not from that day
    monkeypatch.setenv("XLCOST_TODAY", "2026-12-10")
    assert catalog.api_request_cost_usd("gpt-5", 1e6, 1e6) == pytest.approx(11.25)
    monkeypatch.setenv("XLCOST_TODAY", "2026-12-11")
    with pytest.raises(InputError, match="gpt-5 was shut down on 2026-12-11"):
        catalog.api_request_cost_usd("gpt-5", 1e6, 1e6)
    monkeypatch.setenv("XLCOST_TODAY", "next week")
    with pytest.raises(InputError, match="XLCOST_TODAY"):
        catalog.api_request_cost_usd("gpt-5", 1e6, 1e6)


def test_a_retired_date_must_be_a_date():
    from xlcost.errors import CatalogError

    text = "name,provider,price_input_usd_per_1m_tokens,price_output_usd_per_1m_tokens,source,date,retired\n" \
           "x,acme,1,2,somewhere,2025-01-01,soon\n"
    with pytest.raises(CatalogError, match="retired"):
        catalog.parse_rows("api", text, "test.csv")


def test_a_checked_date_must_be_a_date():
    from xlcost.errors import CatalogError

    text = "name,provider,price_input_usd_per_1m_tokens,price_output_usd_per_1m_tokens,source,date,checked\n" \
           "x,acme,1,2,somewhere,2025-01-01,last spring\n"
    with pytest.raises(CatalogError, match="checked"):
        catalog.parse_rows("api", text, "test.csv")


def test_catalog_tables_are_named_in_any_case(capsys):
    assert main(["catalog", "API", "--as-of", "2024-06-01"]) == 0
    assert "gpt-4o" in capsys.readouterr().out
