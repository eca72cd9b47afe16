"""``ppks export``: cases, records or issued letters to a CSV, XLSX or JSON Lines file,
with the filters of ``ppks list``; ``--anonymise`` for research and sharing."""

from __future__ import annotations

from typing import Annotated

import typer

from ppks_cli.commands._common import (
    command,
    info_line,
    open_repo,
    print_json,
    progress_bar,
    say,
    warn_line,
    warn_unreadable,
)
from ppks_cli.commands._filters import (
    CategoryOpt,
    DueWithinOpt,
    NameOpt,
    OpenOpt,
    OverdueOpt,
    SinceOpt,
    StageOpt,
    TagOpt,
    UntilOpt,
    WorkerOpt,
    case_filter,
)
from ppks_cli.i18n import t


def register(app: typer.Typer) -> None:
    @command(app, "export", help=t("help.export.command"), epilog=t("help.export.example"))
    def export(
        ctx: typer.Context,
        what: Annotated[
            str,
            typer.Argument(metavar="cases|records|letters", help=t("help.export.what"),
                           show_default=False),
        ],  # fmt: skip
        output: Annotated[
            str,
            typer.Option("--output", "-o", metavar="FILE", help=t("help.export.output"),
                         show_default=False),
        ],  # fmt: skip
        fmt: Annotated[
            str | None,
            typer.Option("--format", "-f", metavar="csv|xlsx|jsonl", help=t("help.export.format")),
        ] = None,
        anonymise: Annotated[
            bool,
            typer.Option("--anonymise", "--anonymize", help=t("help.export.anonymise")),
        ] = False,
        keep_text: Annotated[
            bool, typer.Option("--keep-text", help=t("help.export.keep_text"))
        ] = False,
        force: Annotated[bool, typer.Option("--force", help=t("help.export.force"))] = False,
        stage: StageOpt = None,
        category: CategoryOpt = None,
        worker: WorkerOpt = None,
        open_: OpenOpt = None,
        name: NameOpt = None,
        tag: TagOpt = None,
        since: SinceOpt = None,
        until: UntilOpt = None,
        overdue: OverdueOpt = False,
        due_within: DueWithinOpt = None,
        json_output: Annotated[bool, typer.Option("--json", help=t("help.option.json"))] = False,
    ) -> None:
        from ppks_cli.exports import export as export_rows
        from ppks_cli.tomlio import output_path

        output = output_path(output)

        wanted = case_filter(
            stage=stage, category=category, worker=worker, open_=open_, name=name, tag=tag,
            since=since, until=until, overdue=overdue, due_within=due_within,
        )  # fmt: skip
        with progress_bar(t("export.progress")) as progress:
            result = export_rows(
                open_repo(ctx), what.strip().lower(), fmt, output, wanted,
                anonymise=anonymise, keep_text=keep_text, force=force, progress=progress,
            )  # fmt: skip
        warn_unreadable(result.problems)
        # what the file holds goes to stderr, so it is seen even when stdout is read
        if result.anonymised:
            info_line(t("export.anonymised"))
            if result.keep_text:
                warn_line(t("export.kept_text"))
        else:
            kinds = ", ".join(t(f"export.data.{kind}") for kind in result.personal_data)
            warn_line(t("export.personal", file=str(result.path), kinds=kinds))
        if json_output:
            print_json(result)
            return
        say(
            t("export.written", rows=result.rows, what=t(f"export.table.{result.table}"),
              file=str(result.path), format=result.format.upper())
        )  # fmt: skip
