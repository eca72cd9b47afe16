"""The 26 official PPKS categories and the extra tags (such as ``odgj``), shipped with
the package in ``data/ppks-categories.toml``."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from typing import Any

from ppks_cli import paths
from ppks_cli.errors import InvalidInput

TAG_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Category:
    slug: str
    name: str  # the official Indonesian name
    en: str
    handled_by_city: bool = False

    def display(self, lang: str) -> str:
        return self.en if lang == "en" else self.name


@cache
def _load() -> tuple[dict[str, Category], dict[str, Category]]:
    with paths.package_file("data", "ppks-categories.toml").open("rb") as fh:
        data = tomllib.load(fh)

    def build(entries: list[dict]) -> dict[str, Category]:
        return {
            e["slug"]: Category(e["slug"], e["id"], e["en"], bool(e.get("handled_by_city")))
            for e in entries
        }

    return build(data["category"]), build(data.get("tag", []))


def categories() -> dict[str, Category]:
    """The official categories by slug, in the regulation's order."""
    return _load()[0]


def known_tags() -> dict[str, Category]:
    return _load()[1]


def resolve_category(value: str, option: str = "--category") -> str:
    """The slug of the category ``value`` names: its number in ``ppks categories``, its
    slug, its name (Indonesian or English, or the abbreviation in brackets) or a word
    of ``[synonyms.category]`` (``lansia telantar``), in any letter case, spaced or
    hyphenated (see :mod:`ppks_cli.choices`). Raises :class:`InvalidInput` naming
    ``option``, with the closest categories when some are close."""
    from ppks_cli.choices import category_list

    return category_list().parse(value, option)


@dataclass(frozen=True)
class CategoryList:
    """``ppks categories``: the official categories and the known tags."""

    categories: tuple[Category, ...]
    tags: tuple[Category, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "categories": [
                {"slug": c.slug, "name": c.name, "en": c.en, "handled_by_city": c.handled_by_city}
                for c in self.categories
            ],
            "tags": [{"slug": c.slug, "name": c.name, "en": c.en} for c in self.tags],
        }


def listing() -> CategoryList:
    """Every official category (in the regulation's order) and every known tag."""
    return CategoryList(tuple(categories().values()), tuple(known_tags().values()))


def normalize_tag(value: str) -> str:
    tag = value.strip().lower()
    if not TAG_RE.match(tag):
        raise InvalidInput("error.bad_tag", value=value)
    return tag
