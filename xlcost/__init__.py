"""xlcost: price large language models in Excel.

``import xlcost`` loads numpy and the core only; the catalog, the Excel functions
(``xlcost.udfs``) and the workbook builder (``xlcost.workbook``) load on first use.

>>> import xlcost
>>> round(xlcost.train_cost_usd(175e9, 300e9, 275e12, 0.462, 2.03))
1398072
"""

from .core import *  # noqa: F401,F403
from .core import __all__
from .errors import InputError, ResultError, UnitError, UnknownNameError, XlcostError  # noqa: F401
from .sweep import sweep, training_sweep  # noqa: F401  (pandas is imported only when a sweep runs)

__version__ = "0.1.0"
