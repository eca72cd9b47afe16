"""``ppks attach``: keep a file with a case; ``ppks attachment export``: get it back."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ppks_cli.choices import ATTACHMENT_KINDS
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
from ppks_cli.commands._common import command, open_repo, print_json, say, write_options
from ppks_cli.i18n import t


def register(app: typer.Typer) -> None:
    @command(app, "attach", help=t("help.attach.command"), epilog=t("help.attach.example"))
    def attach(
        ctx: typer.Context,
        case_ref: CaseArg,
        file: Annotated[
            Path, typer.Argument(metavar="FILE", help=t("help.attach.file"), show_default=False)
        ],
        kind: Annotated[str | None, option(
                "--kind", key="attach.kind", metavar="KIND",
                autocompletion=_completers.ATTACHMENT_KIND,
            )] = None,
        note: Annotated[str | None, option("--note", key="attach.note")] = None,
        date: DateOpt = None,
        worker: WorkerOpt = None,
        json_output: JsonOpt = False,
    ) -> None:
        from ppks_cli import attachments
        from ppks_cli.i18n import label

        repo, case, when, who = begin(ctx, case_ref, date, worker)
        choice = one_of("attachment_kind", ATTACHMENT_KINDS, "--kind")
        result = attachments.attach_file(
            repo, case.id, file, worker=who, date=when, note=note,
            kind=need(ctx, kind, "--kind", "attach_kind", **choice),
            options=write_options(ctx),
        )  # fmt: skip
        if json_output:
            print_json(result)
            return
        record = result.record
        say(
            t("attachment.added", case=result.case.id, name=record.original_name,
              kind=label("attachment_kind", record.document), size=record.size,
              record=record.id, file=result.file)
        )  # fmt: skip

    group = typer.Typer(help=t("help.attachment.command"), no_args_is_help=True)
    app.add_typer(
        group, name="attachment", help=t("help.attachment.command"),
        epilog=t("help.attachment.example"),
    )  # fmt: skip

    @command(group, "export", help=t("help.attachment.export"), epilog=t("help.attachment.example"))
    def export(
        ctx: typer.Context,
        case_ref: CaseArg,
        record: Annotated[
            str,
            typer.Argument(metavar="RECORD", help=t("help.attachment.record"), show_default=False),
        ],
        dest: Annotated[
            Path, typer.Argument(metavar="DEST", help=t("help.attachment.dest"), show_default=False)
        ],
        force: Annotated[bool, typer.Option("--force", help=t("help.attachment.force"))] = False,
        json_output: JsonOpt = False,
    ) -> None:
        from ppks_cli import attachments

        result = attachments.export_attachment(open_repo(ctx), case_ref, record, dest, force=force)
        if json_output:
            print_json(result)
            return
        say(
            t("attachment.exported", case=result.case, record=result.record.id,
              file=str(result.path), size=result.record.size)
        )  # fmt: skip
