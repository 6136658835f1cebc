"""Every price row with a ``checked`` date against the figure published on the page it was
checked with, typed here from that page (USD per 1M tokens: input, cached input, output;
instances: USD per hour on demand). A row re-checked later must add its figure here."""

import pytest

from xlcost import catalog

OPENAI = "https://developers.openai.com/api/docs/pricing"
ANTHROPIC = "https://docs.anthropic.com/en/docs/about-claude/pricing"
GOOGLE = "https://ai.google.dev/gemini-api/docs/pricing"

# name -> (input, cached input or None, output, page)
API_PUBLISHED = {
    # OpenAI's pricing page (gpt-3 base models: per 1K tokens x 1,000, as the article's Table 1 prints them)
    "Ada": (0.40, None, 0.40, "https://platform.openai.com/docs/deprecations"),
    "Babbage": (0.50, None, 0.50, "https://platform.openai.com/docs/deprecations"),
    "Curie": (2.00, None, 2.00, "https://platform.openai.com/docs/deprecations"),
    "Davinci": (20.00, None, 20.00, "https://platform.openai.com/docs/deprecations"),
    "gpt-3.5-turbo": (0.50, None, 1.50, OPENAI),
    "gpt-4": (30.00, None, 60.00, OPENAI),
    "gpt-4-turbo": (10.00, None, 30.00, OPENAI),
    "gpt-4o": (2.50, 1.25, 10.00, OPENAI),
    "gpt-4o-2024-08-06": (2.50, 1.25, 10.00, OPENAI),
    "gpt-4o-2024-05-13": (5.00, None, 15.00, OPENAI),
    "gpt-4o-mini": (0.15, 0.075, 0.60, OPENAI),
    "gpt-4.1": (2.00, 0.50, 8.00, OPENAI),
    "gpt-4.1-mini": (0.40, 0.10, 1.60, OPENAI),
    "gpt-4.1-nano": (0.10, 0.025, 0.40, OPENAI),
    "gpt-5": (1.25, 0.125, 10.00, OPENAI),
    "gpt-5-mini": (0.25, 0.025, 2.00, OPENAI),
    "o1": (15.00, 7.50, 60.00, OPENAI),
    "o3": (2.00, 0.50, 8.00, OPENAI),
    "claude-3-haiku": (0.25, 0.03, 1.25, ANTHROPIC),
    "claude-3.5-sonnet": (3.00, 0.30, 15.00, ANTHROPIC),
    "claude-sonnet-4": (3.00, 0.30, 15.00, ANTHROPIC),
    "claude-opus-4": (15.00, 1.50, 75.00, ANTHROPIC),
    "gemini-1.5-pro": (1.25, 0.3125, 5.00, GOOGLE),
    "gemini-2.5-pro": (1.25, 0.31, 10.00, GOOGLE),
    "gemini-2.5-flash": (0.30, 0.075, 2.50, GOOGLE),
    "deepseek-chat": (0.28, 0.028, 0.42, "https://api-docs.deepseek.com/quick_start/pricing"),
    "deepseek-reasoner": (0.28, 0.028, 0.42, "https://api-docs.deepseek.com/quick_start/pricing"),
    "groq/llama-3.3-70b-versatile": (0.59, None, 0.79, "https://groq.com/pricing"),
    "groq/gpt-oss-120b": (0.15, None, 0.60, "https://groq.com/pricing"),
}
DATA_RECEIPTS = "https://raw.githubusercontent.com/datareceipts/data-receipts/main/109-gpu-pricing/hyperscalers.json"
# name -> (on-demand USD per hour for the whole instance, page, relative tolerance)
INSTANCE_PUBLISHED = {
    "p4d.24xlarge": (21.957642, DATA_RECEIPTS, 1e-9),
    "p4de.24xlarge": (27.44705, DATA_RECEIPTS, 1e-9),
    # 8 x 10.9791 per GPU-hour (GPU, vCPUs and memory, no local SSD: the machine's SSD is the 1% between them)
    "a3-highgpu-8g": (8 * 10.9791, "https://raw.githubusercontent.com/tgarg01/silybench-data/main/derived/csv/gpu_prices.csv", 0.01),
    "p5.48xlarge": (55.04, "https://aws.amazon.com/ec2/pricing/on-demand/", 1e-9),
    "Standard_ND96isr_H100_v5": (98.32, "https://azure.microsoft.com/en-us/pricing/details/virtual-machines/linux/", 1e-9),
}


def _checked(table):
    return [row["name"] for row in catalog.table(table).rows if row.get("checked")]


def test_every_checked_row_has_its_published_figure_here():
    assert set(_checked("api")) == set(API_PUBLISHED)
    assert set(_checked("instances")) == set(INSTANCE_PUBLISHED)


@pytest.mark.parametrize("name", sorted(API_PUBLISHED))
def test_checked_api_price_equals_the_published_one(name):
    row = catalog.table("api").find(name)  # the newest list-price row, the one that was checked
    published_input, published_cached, published_output, _page = API_PUBLISHED[name]
    assert row["price_input_usd_per_1m_tokens"] == pytest.approx(published_input, rel=1e-9)
    assert row["price_output_usd_per_1m_tokens"] == pytest.approx(published_output, rel=1e-9)
    if published_cached is None:
        assert row["price_cached_input_usd_per_1m_tokens"] is None
    else:
        assert row["price_cached_input_usd_per_1m_tokens"] == pytest.approx(published_cached, rel=1e-9)


@pytest.mark.parametrize("name", sorted(INSTANCE_PUBLISHED))
def test_checked_instance_price_equals_the_published_one(name):
    published, _page, tolerance = INSTANCE_PUBLISHED[name]
    assert catalog.hardware(name).price_usd_per_hour() == pytest.approx(published, rel=tolerance)
