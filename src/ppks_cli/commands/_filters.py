"""The filters of ``ppks list``, shared by the commands that read the same cases
(``ppks export``): one definition of each option (name, help, completion) and of how
their values become a :class:`ppks_cli.views.CaseFilter`."""

from __future__ import annotations

from typing import Annotated

import typer

from ppks_cli.commands import _completers
from ppks_cli.commands._framework import shared_help

# made once, shared: their help follows the language of each build (shared_help)
StageOpt = Annotated[
    str | None,
    shared_help(
        typer.Option("--stage", metavar="STAGE", autocompletion=_completers.STAGE),
        "help.list.stage",
    ),
]
CategoryOpt = Annotated[
    str | None,
    shared_help(
        typer.Option("--category", metavar="SLUG", autocompletion=_completers.CATEGORY),
        "help.list.category",
    ),
]
WorkerOpt = Annotated[
    str | None,
    shared_help(
        typer.Option("--worker", metavar="NAME", autocompletion=_completers.WORKER),
        "help.list.worker",
    ),
]
OpenOpt = Annotated[
    bool | None,
    shared_help(typer.Option("--open/--closed", show_default=False), "help.list.open"),
]
NameOpt = Annotated[
    str | None, shared_help(typer.Option("--name", metavar="TEXT"), "help.list.name")
]
TagOpt = Annotated[str | None, shared_help(typer.Option("--tag", metavar="TAG"), "help.list.tag")]
SinceOpt = Annotated[
    str | None, shared_help(typer.Option("--since", metavar="DATE"), "help.list.since")
]
UntilOpt = Annotated[
    str | None, shared_help(typer.Option("--until", metavar="DATE"), "help.list.until")
]
OverdueOpt = Annotated[bool, shared_help(typer.Option("--overdue"), "help.list.overdue")]
DueWithinOpt = Annotated[
    int | None,
    shared_help(typer.Option("--due-within", metavar="DAYS"), "help.list.due_within"),
]


def case_filter(
    *,
    stage: str | None,
    category: str | None,
    worker: str | None,
    open_: bool | None,
    name: str | None,
    tag: str | None,
    since: str | None,
    until: str | None,
    overdue: bool,
    due_within: int | None,
):
    """The :class:`~ppks_cli.views.CaseFilter` of the options above, as typed. Raises
    :class:`~ppks_cli.errors.InvalidInput` for an unknown stage or category or a bad
    date."""
    from ppks_cli import categories
    from ppks_cli.choices import STAGE
    from ppks_cli.dates import parse_date
    from ppks_cli.views import CaseFilter

    return CaseFilter(
        stage=STAGE.parse(stage, "--stage") if stage else None,
        category=categories.resolve_category(category) if category else None,
        worker=worker,
        closed=None if open_ is None else not open_,
        name=name,
        tag=categories.normalize_tag(tag) if tag and tag.strip() else tag,
        since=parse_date(since, option="--since", allow_future=True) if since else None,
        until=parse_date(until, option="--until", allow_future=True) if until else None,
        overdue=overdue,
        due_within=due_within,
    )
