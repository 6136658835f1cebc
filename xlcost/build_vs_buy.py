"""Build against buy: the load at which serving a model yourself costs what an API charges.

At a share ``L`` of a replica's maximum load the replica costs the same per hour, so a
request costs ``SERVE_COST(..., "request") / L``; it equals the API's price for the same
tokens at ``L = SERVE_COST(..., "request") / API_COST(...)``. Above 1 the replica would
have to serve more than its maximum: at that price self-hosting never pays.

>>> round(break_even_load("Llama-3.1-8B", "p5.48xlarge", "gpt-4o-mini", as_of="2025-07-01"), 3) < 1
True
"""

from . import catalog, serving


def break_even_load(model, hardware, api_model, price_per_hour=None, n_units=None,
                    input_tokens=serving.DEFAULT_INPUT_TOKENS, output_tokens=serving.DEFAULT_OUTPUT_TOKENS,
                    precision_name=serving.DEFAULT_PRECISION, as_of=None, price_term="on_demand", **efficiency):
    """Share of the replica's maximum load at which it costs what ``api_model`` charges per request.

    The self-hosted cost of one request at full load (``serving.serve_cost`` per
    "request", ``price_per_hour`` as it reads it) over the API's standard list price for
    the same input and output tokens (``catalog.api_request_cost_usd``), both as of
    ``as_of``. Above 1: self-hosting never pays at that price.
    """
    own = serving.serve_cost(model, hardware, price_per_hour, n_units, input_tokens, output_tokens, precision_name,
                             None, "request", as_of, price_term, **efficiency)
    api = serving._named("api_model", lambda name: catalog.api_request_cost_usd(name, input_tokens, output_tokens, 0.0,
                                                                                as_of), api_model)
    return own / api
