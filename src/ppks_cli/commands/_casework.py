"""What the casework commands share: the common options (--date, --worker, --json),
prompts for lists, and how a recorded step is reported."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any

import typer

from ppks_cli.commands import _completers
from ppks_cli.commands._common import (
    ask,
    err_console,
    interactive,
    print_json,
    say,
)
from ppks_cli.i18n import label, t

CaseArg = Annotated[
    str,
    typer.Argument(
        metavar="CASE", help=t("help.option.case"), show_default=False,
        autocompletion=_completers.CASE,
    ),
]
DateOpt = Annotated[
    str | None, typer.Option("--date", metavar="YYYY-MM-DD", help=t("help.option.date"))
]
WorkerOpt = Annotated[
    str | None,
    typer.Option(
        "--worker", metavar="NAME", help=t("help.option.worker"),
        autocompletion=_completers.WORKER,
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help=t("help.option.json"))]


def option(*names: str, key: str, metavar: str = "TEXT", **kwargs: Any):
    return typer.Option(*names, metavar=metavar, help=t(f"help.{key}"), **kwargs)


def record_date(value: str | None, option_name: str = "--date") -> dt.date:
    from ppks_cli.dates import parse_date

    return parse_date(value, option=option_name) if value else dt.date.today()


def begin(ctx: typer.Context, case_ref: str, date: str | None, worker: str | None):
    """What every casework command starts with: the repository, the case (read to ask
    the right questions; the step itself reads it again while it holds the repository),
    the date and the worker of the step (asked, defaulted or refused)."""
    from ppks_cli.commands._common import open_repo

    repo = open_repo(ctx)
    case = repo.find_case(case_ref)
    return repo, case, record_date(date), record_worker(ctx, repo, worker, case)


def record_worker(ctx: typer.Context, repo, given: str | None, case=None) -> str:
    """The worker recording a step on ``case``: the first set of ``--worker``,
    ``PPKS_WORKER``, ``[defaults] worker``, the case's current worker and git's
    ``user.name`` (:meth:`ppks_cli.store.Repository.step_worker`); asked at a terminal
    when none is, else :class:`InvalidInput` listing every way to set it."""
    worker = repo.step_worker(given, case)
    if worker:
        return worker
    if interactive(ctx):
        from ppks_cli.models import parse_worker

        return ask(t("prompt.worker"), lambda value: parse_worker(value, "--worker"))
    from ppks_cli.errors import InvalidInput

    raise InvalidInput("error.missing_worker")


def need(
    ctx: typer.Context, value: Any, option_name: str, prompt_key: str, parse: Callable = str, **kw
) -> Any:
    """A required single value: given, asked at a terminal, or an error."""
    if value is not None and value != "":
        return parse(value)
    if interactive(ctx):
        return ask(t(f"prompt.{prompt_key}"), parse, **kw)
    from ppks_cli.errors import InvalidInput

    raise InvalidInput("error.missing_option", option=option_name)


def maybe(
    ctx: typer.Context,
    value: Any,
    prompt_key: str,
    parse: Callable = str,
    *,
    ask_it: bool = True,
    **kw,
) -> Any:
    """An optional single value: given, asked at a terminal (may be left empty), or None."""
    if value is not None and value != "":
        return parse(value)
    if ask_it and interactive(ctx):
        return ask(t(f"prompt.{prompt_key}"), parse, optional=True, **kw)
    return None


def items(ctx: typer.Context, values: list[str] | None, option_name: str, prompt_key: str, *,
          required: bool = False, ask_it: bool = True) -> list[str]:  # fmt: skip
    """A list of values: given, asked one per line at a terminal, or (when required) an error."""
    found = [v for v in values or [] if v.strip()]
    if found or not (ask_it and interactive(ctx)):
        if required and not found:
            from ppks_cli.errors import InvalidInput

            raise InvalidInput("error.missing_option", option=option_name)
        return found
    err_console().print(t("prompt.list_hint"), markup=False, highlight=False)
    while True:
        answer = typer.prompt(
            f"  {t('prompt.' + prompt_key)}", default="", show_default=False, err=True
        )
        if answer.strip():
            found.append(answer.strip())
        elif found or not required:
            return found


def one_of(group: str, values: tuple[str, ...], option_name: str) -> dict[str, Any]:
    """How to take one of ``values``: the parser (naming ``option_name`` in its error)
    and the numbered choices shown at a prompt, labelled from the catalog ``group``."""
    from ppks_cli.choices import parse_choice

    return {
        "parse": lambda value: parse_choice(value, values, option_name),
        "choices": [(v, label(group, v)) for v in values],
    }


def show_step(result, json_output: bool) -> None:
    """Tell the user what a casework step recorded (a
    :class:`ppks_cli.casework.StepResult`) and where the case stands now."""
    if json_output:
        print_json(result)
        return
    case, record = result.case, result.record
    state = case.state
    say(
        t(
            "casework.recorded",
            kind=label("kind", record.kind),
            case=case.id,
            record=record.id,
            stage=label("stage", state.stage),
        )
    )
    from ppks_cli.workflow import suggest

    nxt = state.next_commands()
    if nxt and record.kind not in ("note", "referral", "referral-update", "approval"):
        say(t("casework.next", commands=suggest(case, nxt)))
