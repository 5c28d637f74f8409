"""Text normalisation for matching labels: traditional → simplified, widths, spaces, item numbers.

Raw text is always kept as printed elsewhere; only matching uses these forms.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

try:  # OpenCC is a core dependency; the fallback keeps a broken install usable.
    import opencc

    _T2S = opencc.OpenCC("t2s")
except Exception:  # pragma: no cover - exercised only without opencc
    _T2S = None

# Over-conversion artefacts and characters OpenCC leaves that matter for our labels.
_EXTRA = str.maketrans({"麵": "面", "製": "制", "覆": "复", "複": "复", "徵": "征"})

_PUNCT = str.maketrans({
    "(": "（", ")": "）", "[": "（", "]": "）", "【": "（", "】": "）",
    "．": ".", "。": ".", "、": "、", ",": "，", ":": "：", ";": "；",
    "“": "", "”": "", '"': "", "‘": "", "’": "", "'": "", "「": "", "」": "",
    "/": "", "／": "", "\u3000": "", "\xa0": "",
})

_ITEM_NUMBER = re.compile(
    r"^(?:[一二三四五六七八九十]+[、.]|（[一二三四五六七八九十]+）[、.]?|[0-9]+[.、]|（[0-9]+）)"
)
_SPACE = re.compile(r"\s+")


@lru_cache(maxsize=65536)
def to_simplified(text: str) -> str:
    if _T2S is not None:
        text = _T2S.convert(text)
    return text.translate(_EXTRA)


@lru_cache(maxsize=65536)
def normalize(text: str) -> str:
    """Simplified, NFKC-folded digits and latin, unified brackets, no spaces or quotes."""
    text = to_simplified(text)
    # NFKC folds full-width digits and letters but would also turn （ into (; undo after.
    text = unicodedata.normalize("NFKC", text)
    text = text.translate(_PUNCT)
    return _SPACE.sub("", text)


def strip_item_numbers(text: str) -> str:
    """Remove leading item numbers ("三、", "（一）", "1.") repeatedly from a normalised label."""
    previous = None
    while previous != text:
        previous = text
        text = _ITEM_NUMBER.sub("", text, count=1)
    return text


@lru_cache(maxsize=65536)
def label_key(text: str) -> str:
    """The form labels are compared in: normalised, item numbers stripped."""
    return strip_item_numbers(normalize(text))
