"""Input guards and number formatting shared by the rules (private)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction

from gaizao.policy.errors import PolicyInputError

FEN = Decimal("0.01")


def as_decimal(value: object, field: str, *, positive: bool = False) -> Decimal:
    """``value`` as a finite, non-negative Decimal (strictly positive if ``positive``).

    Accepts ``Decimal``, ``int`` and numeric strings. Floats are refused: they cannot hold money or areas exactly.
    """
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int) and not isinstance(value, bool):
        result = Decimal(value)
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise PolicyInputError(field, f"{field}: {value!r} is not a number.") from None
    elif isinstance(value, float):
        raise PolicyInputError(
            field,
            f'{field}: got the float {value!r}; pass a Decimal or a string such as "{value}" to keep it exact.',
        )
    else:
        raise PolicyInputError(
            field, f"{field}: expected a Decimal number, got {type(value).__name__} {value!r}."
        )
    if not result.is_finite():
        raise PolicyInputError(field, f"{field}: {value!r} is not a finite number.")
    if result < 0:
        raise PolicyInputError(field, f"{field}: {result} is negative; it must be zero or more.")
    if positive and result == 0:
        raise PolicyInputError(field, f"{field}: must be more than zero.")
    return result


def as_year(value: object, field: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise PolicyInputError(field, f"{field}: expected a year as an integer, got {value!r}.")
    if not 1000 <= value <= 9999:
        raise PolicyInputError(field, f"{field}: {value} is not a four-digit year.")
    return value


def as_bool(value: object, field: str) -> bool:
    if not isinstance(value, bool):
        raise PolicyInputError(field, f"{field}: expected true or false, got {value!r}.")
    return value


def round_fen(amount: Decimal) -> Decimal:
    """Round yuan to the fen (0.01), half-up — once, at the end of a calculation."""
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


def money(amount: Decimal) -> str:
    """``12345.6`` → ``"12,345.60"`` (display only; the decision keeps the exact Decimal)."""
    return f"{amount.quantize(FEN, rounding=ROUND_HALF_UP):,}"


def ratio(value: Fraction) -> str:
    """A ratio shown with four decimals, half-up (display only; comparisons use the exact Fraction)."""
    scaled = Decimal(value.numerator) / Decimal(value.denominator)
    return str(scaled.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))


def fraction_text(value: Fraction) -> str:
    return f"{value.numerator}/{value.denominator}"


def plain(amount: Decimal) -> str:
    """A Decimal without exponent and without trailing zeros beyond what it holds (``1E+3`` → ``1000``)."""
    text = format(amount, "f")
    return text
