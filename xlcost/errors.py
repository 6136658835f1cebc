"""The exceptions xlcost raises: one base class, precise subclasses.

Core and catalog raise these; only ``xlcost.udfs`` turns them into cell errors.
"""

class XlcostError(ValueError):
    """Base of every error xlcost raises on purpose."""


class InputError(XlcostError):
    """An argument has a value the quantity is not defined for.

    >>> str(InputError("utilization", "must be in (0, 1]", 1.5))
    'utilization must be in (0, 1], got 1.5'
    """

    def __init__(self, argument, problem, value=None):
        self.argument = argument
        self.problem = problem
        self.value = value
        got = "" if value is None else f", got {value!r}"
        super().__init__(f"{argument} {problem}{got}")


class ResultError(XlcostError):
    """A result is not a finite number: the inputs, though each valid, are too large together."""


class UnitError(InputError):
    """A text value such as "175B" or "80GB" could not be read as a number."""


class UnknownNameError(XlcostError, LookupError):
    """A catalog name matched nothing; the message suggests the closest names.

    ``known`` are the candidate names (or a dict alias -> canonical name), compared
    after ``key`` (e.g. a normaliser); suggestions are canonical names.
    """

    def __init__(self, kind, name, known, key=str):
        import difflib  # only when a name is unknown: keeps `import xlcost` lean

        self.kind = kind
        self.name = name
        pairs = known.items() if isinstance(known, dict) else ((k, k) for k in known)
        by_key = {}
        for candidate, canonical in pairs:
            by_key.setdefault(key(candidate), canonical)
        close = difflib.get_close_matches(key(name), list(by_key), n=3, cutoff=0.5)
        self.suggestions = list(dict.fromkeys(by_key[k] for k in close))
        hint = f"; closest: {', '.join(self.suggestions)}" if self.suggestions else ""
        super().__init__(f"unknown {kind} {name!r}{hint}")


class CatalogError(XlcostError):
    """A catalog row is malformed; the message gives file, row, column and reason."""

    def __init__(self, where, row, column, reason):
        self.where, self.row, self.column, self.reason = where, row, column, reason
        super().__init__(f"{where}, row {row}, column {column!r}: {reason}")


class FitError(InputError):
    """A model (or its batch's KV cache) does not fit in the replica's memory.

    The numbers are kept so a caller that knows the hardware's name can say it:
    ``describe("A100-40GB")``.

    >>> str(FitError("weights", 140e9, 1, 40e9, 0.1))
    'n_units: needs 140 GB of weights; 1 x 40 GB holds 40 GB'
    >>> str(FitError("weights", 16.2e9, 1, 16e9, 0.1))   # enough digits to differ
    'n_units: needs 16.2 GB of weights; 1 x 16 GB holds 16 GB'
    """

    def __init__(self, what, needed_bytes, n_units, memory_bytes, reserve, hardware=None, argument="n_units"):
        self.what, self.needed_bytes, self.n_units = what, needed_bytes, n_units
        self.memory_bytes, self.reserve = memory_bytes, reserve
        total = n_units * memory_bytes
        digits = 3  # more where 3 would print two different sizes alike ("needs 16 GB; holds 16 GB")
        while digits < 9 and f"{needed_bytes / 1e9:.{digits}g}" == f"{total / 1e9:.{digits}g}":
            digits += 1
        unit = hardware or f"{memory_bytes / 1e9:.{digits}g} GB"
        message = (f"{argument}: needs {needed_bytes / 1e9:.{digits}g} GB of {what}; {n_units:g} x {unit} holds "
                   f"{total / 1e9:.{digits}g} GB")
        if what != "weights":
            message += f", {reserve:.0%} of what the weights leave kept for activations"
        XlcostError.__init__(self, message)
        self.argument, self.problem, self.value = argument, message, None

    def describe(self, hardware):
        """The same error naming the hardware unit."""
        return FitError(self.what, self.needed_bytes, self.n_units, self.memory_bytes, self.reserve, hardware,
                        self.argument)
