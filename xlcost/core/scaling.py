"""Chinchilla scaling: loss from size and data, and the compute-optimal split of a budget.

Hoffmann et al. 2022 (arXiv 2203.15556) estimate the compute-optimal frontier three ways:

- Approach 1 (minimum over training curves), N_opt ∝ C^0.50 (Table 2), with the
  projections of Table 3: 67B parameters at Gopher's 5.76e23 FLOPs;
- Approach 2 (IsoFLOP profiles), N_opt ∝ C^0.49 (Table 2), Table A3: 67B at 6.88e23 FLOPs;
- Approach 3, a parametric loss L(N, D) = E + A / N^alpha + B / D^beta (eq. 10: E = 1.69,
  A = 406.4, B = 410.7, alpha = 0.34, beta = 0.28), whose argmin under C = 6 N D is
  eq. (4). With these printed, rounded constants it gives 32B at 5.76e23 FLOPs.

Besiroglu et al. 2024 ("Chinchilla Scaling: A replication attempt", arXiv 2404.10102)
refit Approach 3 on data reconstructed from the paper's figures: E = 1.8172, A = 482.01,
B = 2085.43, alpha = 0.3478, beta = 0.3658, consistent with Approaches 1 and 2 (~20
tokens per parameter) where the printed Approach 3 constants are not.

Approaches 1 and 2 are power laws anchored at the paper's projection for a 67B model;
training tokens are then C / (6 N) in every method.
"""

from . import _check
from ._check import quantity

# (E, A, B, alpha, beta) of the parametric loss
FITS = {
    "approach3": (1.69, 406.4, 410.7, 0.34, 0.28),  # Hoffmann et al. 2022, eq. (10)
    "besiroglu": (1.8172, 482.01, 2085.43, 0.3478, 0.3658),  # Besiroglu et al. 2024, Table 1
}
# (params at the anchor, FLOPs at the anchor, exponent a of N_opt ∝ C^a)
POWER_LAWS = {
    "approach1": (67e9, 5.76e23, 0.50),  # Table 3 row "67 Billion, 5.76e+23"; Table 2 a = 0.50
    "approach2": (67e9, 6.88e23, 0.49),  # Table A3 row "67 Billion, 6.88e+23"; Table 2 a = 0.49
}


def _loss_pattern(fit):
    e, a, b, alpha, beta = FITS[fit]
    return f"{e}+{a}/{{params}}^{alpha}+{b}/{{tokens}}^{beta}"


@quantity({fit: _loss_pattern(fit) for fit in FITS}, model={"params": "dense_params", "tokens": "training_tokens"},
          choice="fit")
def chinchilla_loss(params, tokens, fit="approach3"):
    """Predicted pre-training loss (nats/token) of ``params`` trained on ``tokens``.

    ``fit`` picks the constants: "approach3", Hoffmann et al. 2022 eq. (10) as printed
    (1.69 + 406.4 / N^0.34 + 410.7 / D^0.28, the seed article's T7), or "besiroglu",
    the 2024 replication's refit. Fitted on dense models: a mixture of experts is
    outside the fit.

    >>> round(chinchilla_loss(70e9, 1.4e12), 2)   # Chinchilla (seed 002, T7)
    1.94
    """
    e, a, b, alpha, beta = FITS[_check.choice("fit", fit)]
    n = _check.positive("params", params)
    d = _check.positive("tokens", tokens)
    return e + a / n**alpha + b / d**beta


def _optimal_params_pattern(method):
    if method in POWER_LAWS:
        params, flops, exponent = POWER_LAWS[method]
        return f"{params:.4g}*({{flops}}/{flops:.4g})^{exponent}".replace("e+", "E+")
    _, a, b, alpha, beta = FITS[method]
    # eq. (4): N_opt = G (C/6)^(beta/(alpha+beta)), G = (alpha A / (beta B))^(1/(alpha+beta))
    return f"(({alpha}*{a})/({beta}*{b}))^(1/({alpha}+{beta}))*({{flops}}/6)^({beta}/({alpha}+{beta}))"


_METHODS = (*POWER_LAWS, *FITS)


@quantity({m: _optimal_params_pattern(m) for m in _METHODS}, choice="method")
def compute_optimal_params(flops, method="approach1"):
    """Parameters of the compute-optimal model for a budget of ``flops`` training FLOPs.

    ``method``: "approach1" (the default: Hoffmann et al. 2022 Table 3, the projection
    Chinchilla was sized by), "approach2" (Table A3), "approach3" (the argmin of the
    printed eq. (10) constants), or "besiroglu" (the 2024 refit). At Gopher's budget,
    5.76e23 FLOPs, they give 67B, 61B, 32B and 73B parameters; Chinchilla is 70B.

    >>> f"{compute_optimal_params(5.76e23):.3g}"
    '6.7e+10'
    >>> f"{compute_optimal_params(5.76e23, method='approach3'):.3g}"
    '3.22e+10'
    """
    method = _check.choice("method", method)
    c = _check.positive("flops", flops)
    if method in POWER_LAWS:
        params, anchor, exponent = POWER_LAWS[method]
        return params * (c / anchor) ** exponent
    _, a, b, alpha, beta = FITS[method]
    g = (alpha * a / (beta * b)) ** (1.0 / (alpha + beta))
    return g * (c / 6.0) ** (beta / (alpha + beta))


@quantity({m: f"({{flops}}/6)/({_optimal_params_pattern(m)})" for m in _METHODS}, choice="method")
def compute_optimal_tokens(flops, method="approach1"):
    """Training tokens of the compute-optimal model of a ``flops`` budget: flops / (6 x params).

    ``method`` as for :func:`compute_optimal_params`.

    >>> f"{compute_optimal_tokens(5.76e23):.3g}"
    '1.43e+12'
    """
    return _check.positive("flops", flops) / 6.0 / compute_optimal_params(flops, method)
