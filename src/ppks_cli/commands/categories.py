"""``ppks categories``: the official PPKS categories and known tags."""

from __future__ import annotations

from typing import Annotated

import typer

from ppks_cli.commands._common import command, console, print_json
from ppks_cli.i18n import get_language, t


def register(app: typer.Typer) -> None:
    @command(
        app, "categories", help=t("help.categories.command"), epilog=t("help.categories.example")
    )
    def categories_command(
        json_output: Annotated[bool, typer.Option("--json", help=t("help.option.json"))] = False,
    ) -> None:
        from ppks_cli import categories

        found = categories.listing()
        if json_output:
            print_json(found)
            return
        from rich.table import Table

        lang = get_language()
        table = Table(title=t("categories.title"), title_justify="left")
        table.add_column("#", justify="right")
        table.add_column(t("column.slug"), no_wrap=True)
        table.add_column(t("column.name"))
        for number, cat in enumerate(found.categories, start=1):
            table.add_row(str(number), cat.slug, cat.display(lang))
        console().print(table)
        tag_table = Table(title=t("categories.tags_title"), title_justify="left")
        tag_table.add_column(t("column.slug"), no_wrap=True)
        tag_table.add_column(t("column.name"))
        for tag in found.tags:
            tag_table.add_row(tag.slug, tag.display(lang))
        console().print(tag_table)
