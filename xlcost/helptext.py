"""Docstrings as command-line help text (used by ``cli`` and ``cli_serving`` alike).

>>> plain("Cost in USD, see :func:`train_cost_usd` and ``tokens``. >>> 1 + 1")
'Cost in USD, see train_cost_usd and tokens.'
"""

import re


def plain(doc):
    """A docstring as help text: no doctest examples, no reST markup."""
    text = (doc or "").split(">>>")[0]
    text = re.sub(r":\w+:`([^`]*)`", r"\1", text)
    return text.replace("``", "").strip()
