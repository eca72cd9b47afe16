"""``ppks link``: record a relation between two cases (mother and child, siblings …)."""

from __future__ import annotations

from typing import Annotated

import typer

from ppks_cli.commands import _completers
from ppks_cli.commands._casework import (
    CaseArg,
    DateOpt,
    JsonOpt,
    WorkerOpt,
    begin,
    need,
    one_of,
    option,
)
from ppks_cli.commands._common import command, print_json, say, write_options
from ppks_cli.i18n import label, t


def register(app: typer.Typer) -> None:
    @command(app, "link", help=t("help.link.command"), epilog=t("help.link.example"))
    def link(
        ctx: typer.Context,
        case_ref: CaseArg,
        other_ref: Annotated[
            str, typer.Argument(
                metavar="OTHER", help=t("help.link.other"), show_default=False,
                autocompletion=_completers.CASE,
            ),
        ],
        relation: Annotated[
            str | None,
            option("--as", key="link.as", metavar="RELATION", autocompletion=_completers.RELATION),
        ] = None,
        reason: Annotated[str | None, option("--reason", key="link.reason")] = None,
        date: DateOpt = None,
        worker: WorkerOpt = None,
        json_output: JsonOpt = False,
    ) -> None:
        from ppks_cli import links
        from ppks_cli.choices import LINK_RELATIONS

        repo, case, when, who = begin(ctx, case_ref, date, worker)
        result = links.link_cases(
            repo, case.id, other_ref, worker=who, date=when, reason=reason,
            relation=need(
                ctx, relation, "--as", "link_relation",
                **one_of("relation", LINK_RELATIONS, "--as"),
            ),
            options=write_options(ctx),
        )  # fmt: skip
        if json_output:
            print_json(result)
            return
        say(
            t("link.recorded", case=result.case.id, other=result.other.id,
              relation=label("relation", result.record.relation), record=result.record.id)
        )  # fmt: skip

