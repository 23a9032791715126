"""Money that adds up (STYLE.md §12): split an amount into parts that sum exactly to the whole, to the fen.

Used wherever one amount is shared out — a subsidy across the communities of a renovation unit, a residents'
contribution across households by exclusive area — so that the parts never drift from the total by rounding.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_DOWN, Decimal

from gaizao.policy.errors import PolicyInputError

FEN = Decimal("0.01")


def to_fen(amount: Decimal, *, field: str = "amount") -> Decimal:
    """``amount`` as yuan with exactly two places; refuses more precision than the fen instead of rounding it."""
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise PolicyInputError(field, f"{field}: not a finite Decimal amount: {amount!r}")
    if amount != amount.quantize(FEN):
        raise PolicyInputError(
            field, f"{field}: {amount} has more than two decimal places (yuan to the fen)."
        )
    return amount.quantize(FEN)


def split_largest_remainder(
    total: Decimal, weights: Sequence[Decimal], *, field: str = "total"
) -> list[Decimal]:
    """Split ``total`` yuan into parts proportional to ``weights`` that sum exactly to ``total``.

    Each part is first rounded down to the fen; the fens left over go one each to the parts with the largest
    remainders (ties to the earlier part), the largest-remainder (Hamilton) method.

    Parameters
    ----------
    total
        The amount in yuan, at most two decimal places, not negative.
    weights
        Non-negative weights (areas in m², counts); at least one must be positive unless ``total`` is zero.

    Returns
    -------
    list of Decimal
        One amount per weight, in yuan with two places, ``sum(parts) == total``.
    """
    total = to_fen(total, field=field)
    if total < 0:
        raise PolicyInputError(field, f"{field}: must not be negative, got {total}.")
    if not weights:
        raise PolicyInputError("weights", "weights: at least one part is needed to split an amount.")
    clean = [Decimal(w) for w in weights]
    if any((not w.is_finite()) or w < 0 for w in clean):
        raise PolicyInputError("weights", "weights: every weight must be a finite, non-negative number.")
    weight_sum = sum(clean, Decimal(0))
    if weight_sum == 0:
        if total == 0:
            return [Decimal("0.00") for _ in clean]
        raise PolicyInputError("weights", "weights: all weights are zero, so the amount cannot be shared.")
    fens = int(total / FEN)
    exact = [Decimal(fens) * w / weight_sum for w in clean]
    floors = [int(e.to_integral_value(rounding=ROUND_DOWN)) for e in exact]
    left = fens - sum(floors)
    order = sorted(range(len(clean)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return [(Decimal(f) * FEN).quantize(FEN) for f in floors]
