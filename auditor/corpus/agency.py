"""Agency names as a key: normalised forms and a mapping file for renamed or merged agencies.

``identity.read_identity`` reads the name as printed in the title or metadata; cross-report rules
need one key per agency, so the batch stores ``AgencyNames.key(name)``:

* ``normalize_agency``: traditional → simplified, full-width → half-width (NFKC), spaces, quotes and
  bracket forms unified, and the words around a name in a title stripped (``关于``, a year,
  ``年度``, ``政府信息公开工作年度报告``, ``政务公开``, a trailing ``的``);
* ``pairing_plan``: a name printed with its city (淮安市洪泽区人民政府) and without (洪泽区人民政府)
  pairs up across years when that is the only reading; agencies whose years stay unpaired are said;
* a mapping file (YAML) ``canonical: [alias, ...]`` names the agency a renamed or merged one is now
  filed under: every alias (and the canonical name) is normalised before it is looked up.

    平潭综合实验区管理委员会: [平潭综合实验区管委会, 平潭综合实验区管理委员会办公室]
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Optional, Union

import yaml

from ..model.text import to_simplified
from ..resources import load_yaml

_YEAR = re.compile(r"(?:19|20)\d{2}\s*年(?:度)?|[〇零一二三四五六七八九]{4}\s*年(?:度)?")
# Words that follow an agency's name in a report title, longest first.
_TRAILING = re.compile(
    r"(?:(?:政府)?信息公开|政务公开)(?:工作)?(?:年度)?(?:报告|年报)?$|(?:年度)?工作报告$|年度报告$|年度$|工作$|的$")
_LEADING = re.compile(r"^(?:关于|中共)?")
_DROP = str.maketrans({" ": "", "\u3000": "", "\xa0": "", "“": "", "”": "", '"': "", "'": "", "《": "", "》": "",
                       "(": "（", ")": "）", "·": "", "•": ""})


@lru_cache(maxsize=65536)
def normalize_agency(name: Optional[str]) -> Optional[str]:
    """The comparable form of an agency's name; None for an empty one."""
    if not name:
        return None
    text = unicodedata.normalize("NFKC", to_simplified(name)).translate(_DROP)
    text = text.translate(str.maketrans({"(": "（", ")": "）"}))  # NFKC folded full-width brackets
    text = _YEAR.sub("", text)
    previous = None
    while previous != text:  # "…政府信息公开工作年度报告的" and the like, a layer at a time
        previous = text
        text = _LEADING.sub("", _TRAILING.sub("", text)).strip(" ：:，,、-—")
    # "洪泽区政府" is how a title often shortens "洪泽区人民政府" (its office stays its own author)
    text = _SHORT_GOVERNMENT.sub(r"\1人民政府\2", text)
    return text or None


_SHORT_GOVERNMENT = re.compile(r"^(.{1,12}?(?:省|自治区|市|自治州|州|地区|盟|区|县|自治县|旗))政府(办公室|办公厅)?$")
# A name that begins with a county-level unit (区, 县, 县级市, 旗) ...
_LOCAL = re.compile(r"^[\u4e00-\u9fff]{1,10}?(?:自治县|区|县|市|旗)")
# ... and what a title may print before it: the province and/or the city (or prefecture) it belongs to.
_PARENT_PREFIX = re.compile(r"(?:[\u4e00-\u9fff]{1,10}?(?:省|自治区))?(?:[\u4e00-\u9fff]{1,10}?(?:市|自治州|地区|盟))?\Z")


@dataclass(frozen=True)
class Unpaired:
    """An agency whose reports of different years are not compared, and why."""

    agency: str
    message_zh: str
    message_en: str

    def text(self, lang: str = "zh") -> str:
        return f"{self.agency}：{self.message_zh}" if lang == "zh" else f"{self.agency}: {self.message_en}"


def pairing_plan(reports: Iterable[tuple[str, int]]) -> tuple[dict[str, str], list[Unpaired]]:
    """Which agency keys name one agency across years, and which agencies' years stay unpaired.

    ``reports`` are the (agency key, year) of the stored reports. A key that is another key without
    its city (or province) prefix — 洪泽区人民政府 beside 淮安市洪泽区人民政府 — is the same agency when
    that longer key is the only one it could be and the two never name a report of the same year:
    the result maps it to the longer key. Nothing else is merged: 某市人民政府 and 某市某区人民政府 differ
    in their last unit, and 人民政府 and 人民政府办公室 are different authors (each may publish its
    own report). A short key with two possible long keys (朝阳区 of two cities) is left alone and
    said, as is a gap between an agency's years."""
    years: dict[str, set[int]] = {}
    for agency, year in reports:
        if agency and year:
            years.setdefault(agency, set()).add(int(year))
    aliases: dict[str, str] = {}
    notes: list[Unpaired] = []
    merged: dict[str, set[int]] = {agency: set(found) for agency, found in years.items()}
    # longest first: 淮安市洪泽区… joins 江苏省淮安市洪泽区… before 洪泽区… looks at both
    for short in sorted(years, key=lambda key: (-len(key), key)):
        if not _LOCAL.match(short):
            continue
        candidates = sorted({aliases.get(key, key) for key in years if key != short and key.endswith(short)
                             and _PARENT_PREFIX.match(key[: -len(short)])})
        if len(candidates) > 1:
            notes.append(Unpaired(short, f"可能是 {'、'.join(candidates)} 中的任一个，未与它们配对",
                                  f"could be any of {', '.join(candidates)}: not paired with them"))
        elif candidates:
            target = candidates[0]
            overlap = sorted(merged[short] & merged[target])
            if overlap:
                notes.append(Unpaired(short, f"与 {target} 在 {overlap[0]} 年各有报告，视为不同机构，未配对",
                                      f"{target} has a report of {overlap[0]} too: taken as another agency, "
                                      "not paired"))
            else:
                aliases[short] = target
                merged[target] |= merged.pop(short)
    for agency in sorted(merged):
        ordered = sorted(merged[agency])
        for earlier, later in zip(ordered, ordered[1:]):
            if later - earlier > 1:
                missing = f"{earlier + 1}" if later - earlier == 2 else f"{earlier + 1}–{later - 1}"
                notes.append(Unpaired(agency, f"缺少 {missing} 年的报告：{earlier} 年与 {later} 年未配对",
                                      f"no report for {missing}: {earlier} and {later} not paired"))
    return aliases, notes


class AgencyMapError(ValueError):
    """A mapping file that cannot be used."""


class AgencyNames:
    """Normalisation plus the optional mapping file: ``key(name)`` is what cross-report rules compare."""

    def __init__(self, mapping: Optional[dict[str, list[str]]] = None):
        self.aliases: dict[str, str] = {}
        for canonical, aliases in (mapping or {}).items():
            target = normalize_agency(str(canonical))
            if target is None:
                raise AgencyMapError(f"empty canonical agency name {canonical!r}")
            if aliases is None:
                aliases = []
            if isinstance(aliases, str):
                aliases = [aliases]
            if not isinstance(aliases, list):
                raise AgencyMapError(f"aliases of {canonical!r} must be a list of names")
            for alias in [canonical, *aliases]:
                key = normalize_agency(str(alias))
                if key is None:
                    continue
                known = self.aliases.get(key)
                if known is not None and known != target:
                    raise AgencyMapError(f"{alias!r} is listed under both {known!r} and {target!r}")
                self.aliases[key] = target

    @classmethod
    def from_file(cls, path: Optional[Union[str, Path]]) -> "AgencyNames":
        if path is None:
            return cls()
        try:
            data = load_yaml(Path(path).read_text(encoding="utf-8-sig"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
            raise AgencyMapError(f"cannot read agency map {path}: {error}") from None
        if data is None:
            return cls()
        if not isinstance(data, dict):
            raise AgencyMapError(f"agency map {path} must map canonical names to lists of aliases")
        return cls(data)

    def key(self, name: Optional[str]) -> Optional[str]:
        normal = normalize_agency(name)
        if normal is None:
            return None
        return self.aliases.get(normal, normal)

    def fingerprint(self) -> str:
        """A stable text of the mapping, for the batch's rule version."""
        return "\n".join(f"{alias}={target}" for alias, target in sorted(self.aliases.items()))


def read_hierarchy(path: Union[str, Path], names: AgencyNames) -> dict[str, tuple[str, ...]]:
    """A hierarchy file (YAML ``parent: [component, ...]``) as agency keys."""
    try:
        data = load_yaml(Path(path).read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise AgencyMapError(f"cannot read hierarchy {path}: {error}") from None
    if not isinstance(data, dict):
        raise AgencyMapError(f"hierarchy {path} must map parent agencies to lists of components")
    hierarchy: dict[str, tuple[str, ...]] = {}
    for parent, components in data.items():
        if not isinstance(components, list) or not components:
            raise AgencyMapError(f"components of {parent!r} must be a non-empty list")
        keys = tuple(dict.fromkeys(k for k in (names.key(str(c)) for c in components) if k))
        parent_key = names.key(str(parent))
        if parent_key is None or parent_key in keys:
            raise AgencyMapError(f"bad parent {parent!r} in hierarchy {path}")
        hierarchy[parent_key] = keys
    return hierarchy
