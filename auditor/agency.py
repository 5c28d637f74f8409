"""Agency names as a key: normalised forms and a mapping file for renamed or merged agencies.

``identity.read_identity`` reads the name as printed in the title or metadata; cross-report rules
need one key per agency, so the batch stores ``AgencyNames.key(name)``:

* ``normalize_agency``: traditional → simplified, full-width → half-width (NFKC), spaces, quotes and
  bracket forms unified, and the words around a name in a title stripped (``关于``, a year,
  ``年度``, ``政府信息公开工作年度报告``, ``政务公开``, a trailing ``的``);
* a mapping file (YAML) ``canonical: [alias, ...]`` names the agency a renamed or merged one is now
  filed under: every alias (and the canonical name) is normalised before it is looked up.

    平潭综合实验区管理委员会: [平潭综合实验区管委会, 平潭综合实验区管理委员会办公室]
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Optional, Union

import yaml

from .normalize import to_simplified

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
    return text or None


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
            data = yaml.safe_load(Path(path).read_text(encoding="utf-8-sig"))
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
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8-sig"))
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
