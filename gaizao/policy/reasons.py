"""The explanation attached to every decision."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Reason:
    """One step of a decision and the rule that justifies it.

    Attributes
    ----------
    code
        Stable machine code, e.g. ``"vote.quorum_area_met"``; tests and UIs key on it.
    clause
        The source the rule comes from, e.g. ``"杭政办函〔2022〕10号 三(三)2"`` or ``"民法典 第278条第二款"``.
    message
        Chinese sentence with the actual figures, e.g. ``"参与表决专有部分面积占比 0.7000 ≥ 2/3（…）"``.
    message_en
        The same sentence in English.
    """

    code: str
    clause: str
    message: str
    message_en: str = ""

    def to_dict(self) -> dict[str, str]:
        return {
            "code": self.code,
            "clause": self.clause,
            "message": self.message,
            "message_en": self.message_en,
        }
