"""``ppks sync``: fetch, integrate and push, reported in human terms."""

from __future__ import annotations

from typing import Annotated

import typer

from ppks_cli.commands._casework import JsonOpt, option
from ppks_cli.commands._common import (
    command,
    err_console,
    open_repo,
    print_json,
    say,
    write_options,
)
from ppks_cli.commands._framework import shared_help
from ppks_cli.i18n import t

AcceptDeletionsOpt = Annotated[
    bool, shared_help(typer.Option("--accept-deletions"), "help.sync.accept_deletions")
]


def register(app: typer.Typer) -> None:
    @command(app, "sync", help=t("help.sync.command"), epilog=t("help.sync.example"))
    def sync(
        ctx: typer.Context,
        remote: Annotated[str | None, option("--remote", key="sync.remote", metavar="NAME")] = None,
        accept_deletions: AcceptDeletionsOpt = False,
        json_output: JsonOpt = False,
    ) -> None:
        from ppks_cli import exchange
        from ppks_cli.errors import DeletionsNotConfirmed, SyncConflict

        try:
            result = exchange.sync(
                open_repo(ctx), remote=remote, accept_deletions=accept_deletions,
                options=write_options(ctx),
            )  # fmt: skip
        except SyncConflict as conflict:
            explain_conflict(conflict)
            raise
        except DeletionsNotConfirmed as refused:
            explain_pending_deletions(refused.deleted)
            raise
        if json_output:
            print_json(result)
            return
        report = result.report
        if report.up_to_date and not (report.records_sent or report.cases_sent):
            say(t("sync.up_to_date", remote=report.remote, branch=report.remote_branch))
            _remote_head(report)
            return
        say(
            t(
                "sync.done", remote=report.remote, branch=report.remote_branch,
                cases=len(report.cases_received), received=len(report.records_received),
                cases_sent=len(report.cases_sent), sent=len(report.records_sent),
            )
        )  # fmt: skip
        explain_deletions(report.deleted)
        _remote_head(report)


def _remote_head(report) -> None:
    if report.remote_head != "ok":
        say(t(f"sync.remote_head_{report.remote_head}", branch=report.remote_branch))


def _what(deletion) -> str:
    from ppks_cli.i18n import label

    if deletion.record is None:
        return f"{deletion.case} ({deletion.path})"
    return f"{deletion.case}: {label('kind', deletion.kind)} {deletion.record} ({deletion.path})"


def explain_deletions(deleted) -> None:
    """Each case and record the others deleted, and the command that brings it back."""
    from ppks_cli.i18n import label

    for item in deleted:
        if item.record is None:
            say(t("sync.deleted_case", case=item.case, records=item.records))
        else:
            what = f"{label('kind', item.kind)} {item.record}"
            say(t("sync.deleted_record", case=item.case, what=what, path=item.path))
        say(t("sync.restore", command=item.restore_command()))


def explain_pending_deletions(deleted) -> None:
    """What a refused sync or bundle import would have deleted (on stderr)."""
    from ppks_cli.commands._common import info_line

    for item in deleted:
        info_line(t("sync.deleted_pending", what=_what(item)))


def explain_conflict(conflict) -> None:
    """Both versions of every conflicting file, and how to resolve it by hand."""
    from rich.text import Text

    from ppks_cli.i18n import label

    out = err_console()
    for item in conflict.conflicts:
        what = (
            label("kind", item.kind) if item.kind not in (None, "case") else t("history.case_file")
        )
        record = f" {item.record}" if item.record else ""
        heading = t("sync.conflict_file", case=item.case or "-", what=what + record, path=item.path)
        out.print(Text(heading, style="bold"))
        texts = [version.text.splitlines() for version in item.versions]
        for index, version in enumerate(item.versions):
            other = set(texts[1 - index]) if len(texts) == 2 else set()
            out.print(Text(t("sync.version", who=version.label), style="bold"))
            for number, line in enumerate(texts[index], start=1):
                if line not in other:  # only the lines to choose between
                    out.print(Text(f"    {number:>3}: {line}"))
    key = "sync.resolve_merge" if getattr(conflict, "merge", False) else "sync.resolve"
    out.print(Text(t(key, upstream=conflict.upstream)))
