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
from ppks_cli.commands._framework import shared_help
from ppks_cli.i18n import label, t

# made once, shared by many commands: their help follows the language of each build
CaseArg = Annotated[
    str,
    shared_help(
        typer.Argument(metavar="CASE", show_default=False, autocompletion=_completers.CASE),
        "help.option.case",
    ),
]
DateOpt = Annotated[
    str | None, shared_help(typer.Option("--date", metavar="YYYY-MM-DD"), "help.option.date")
]
WorkerOpt = Annotated[
    str | None,
    shared_help(
        typer.Option("--worker", metavar="NAME", autocompletion=_completers.WORKER),
        "help.option.worker",
    ),
]
JsonOpt = Annotated[bool, shared_help(typer.Option("--json"), "help.option.json")]


def option(*names: str, key: str, metavar: str = "TEXT", **kwargs: Any):
    return typer.Option(*names, metavar=metavar, help=t(f"help.{key}"), **kwargs)


def record_date(value: str | None, option_name: str = "--date") -> dt.date:
    from ppks_cli.dates import parse_date

    return parse_date(value, option=option_name) if value else dt.date.today()


def begin(
    ctx: typer.Context, case_ref: str, date: str | None, worker: str | None,
    step: str | None = None,
):  # fmt: skip
    """What every casework command starts with: the repository, the case (read to ask
    the right questions; the step itself reads it again while it holds the repository),
    the date and the worker of the step (asked, defaulted or refused). At a terminal,
    a ``step`` (:data:`ppks_cli.casework.STEP_KINDS`) the case cannot take now is
    refused before its questions are asked, so no answer is typed in vain."""
    from ppks_cli.commands._common import open_repo

    repo = open_repo(ctx)
    case = repo.find_case(case_ref)
    when = record_date(date)
    if step is not None and interactive(ctx):
        from ppks_cli.casework import check_before_form

        check_before_form(repo, case, step, when)
    return repo, case, when, record_worker(ctx, repo, worker, case)


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
    """A required single value: given (``parse``d; an error names ``option_name``), asked
    at a terminal (each answer checked by ``parse`` as it is typed, and asked again with
    the reason; free text is checked as a record checks it), or an error."""
    if value is not None and value != "":
        return parse(value)
    if interactive(ctx):
        return ask(t(f"prompt.{prompt_key}"), _at_prompt(parse), **kw)
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
    """An optional single value: given, asked at a terminal (may be left empty; checked
    as :func:`need` checks it), or None."""
    if value is not None and value != "":
        return parse(value)
    if ask_it and interactive(ctx):
        return ask(t(f"prompt.{prompt_key}"), _at_prompt(parse), optional=True, **kw)
    return None


def _at_prompt(parse: Callable) -> Callable:
    """The check of an answer typed at a prompt: ``parse``, or for free text (``str``)
    the check a record makes of it (:func:`ppks_cli.commands._common.prompt_text`)."""
    from ppks_cli.commands._common import prompt_text

    return prompt_text if parse is str else parse


def items(ctx: typer.Context, values: list[str] | None, option_name: str, prompt_key: str, *,
          required: bool = False, ask_it: bool = True,
          parse: Callable[[str], Any] | None = None) -> list[Any]:  # fmt: skip
    """A list of values: given (each through ``parse`` when given, which names the
    option in its error), asked one per line at a terminal, or (when required) an
    error. At a terminal each line is checked as it is typed (``parse``, or as free
    text) and asked again with the reason, so one wrong line never loses the others;
    an empty line ends the list (a required list says why it needs one more)."""
    from ppks_cli.commands._common import prompt_text
    from ppks_cli.errors import InvalidInput

    given = [v for v in values or [] if v.strip()]
    if given or not (ask_it and interactive(ctx)):
        if required and not given:
            raise InvalidInput("error.missing_option", option=option_name)
        return [parse(v) for v in given] if parse else given
    return ask_lines(t("prompt." + prompt_key), parse or prompt_text, required)


def ask_lines(prompt: str, check: Callable[[str], Any], required: bool) -> list[Any]:
    """At a terminal: values asked one per line under ``prompt``, each through ``check``
    as it is typed (a wrong line is said and asked again, the others kept); an empty line
    ends the list, unless ``required`` and none is given yet (then it says why)."""
    from ppks_cli.commands._common import error_line, prompt_error, read_answer
    from ppks_cli.errors import InvalidInput

    found: list[Any] = []
    err_console().print(t("prompt.list_hint"), markup=False, highlight=False)
    while True:
        answer = read_answer(f"  {prompt}", default="", show_default=False).strip()
        if not answer:
            if found or not required:
                return found
            error_line(t("form.list_required_again"))
            continue
        try:
            found.append(check(answer))
        except InvalidInput as exc:
            error_line(prompt_error(exc))


def one_of(group: str, values: tuple[str, ...], option_name: str) -> dict[str, Any]:
    """How to take one of ``values`` (the fixed list of :mod:`ppks_cli.choices` whose
    labels are the catalog section ``group``): the parser of the flag and the prompt
    alike (the number shown, the code, a label, a synonym; its error names
    ``option_name``) and the numbered ``(code, label)`` choices a prompt shows (the
    labels alone), as keyword arguments of :func:`ask`."""
    from ppks_cli.choices import ChoiceList

    choices = ChoiceList(group, tuple(values))
    return {
        "parse": lambda value: choices.parse(value, option_name),
        "choices": choices.shown(),
        "labels_only": True,  # "1) Rendah", not "1) low — Rendah": the code is for files
    }


def match_choices(matches) -> list[tuple[str, str]]:
    """``(case ID, description)`` for each likely match of the duplicate check
    (:class:`ppks_cli.duplicates` matches: ``case`` and ``reason``), as a prompt numbers
    them: the client's name, why it matched, the stage and the intake date."""
    from ppks_cli.i18n import Msg

    return [
        (m.case.id, t("new_case.duplicate_choice", name=m.case.client.name,
                      reason=str(Msg("duplicate." + m.reason)),
                      stage=label("stage", m.case.stage), date=m.case.intake_date))
        for m in matches
    ]  # fmt: skip


def case_named(repo, text: str, shown: set[str]) -> str | None:
    """The case ID ``text`` names as every command takes one (a unique prefix, the suffix
    without the year, any letter case or dash): one of ``shown`` first, else any case of
    ``repo``; ``None`` when it names none. Raises :class:`InvalidInput` when it fits
    several cases."""
    from ppks_cli import ids as case_ids
    from ppks_cli.errors import InvalidInput, NotFound

    for among in (shown, None):
        try:
            return case_ids.resolve_prefix(text, among if among else repo.case_ids())
        except NotFound as exc:
            if exc.key == "error.case_ambiguous":
                raise InvalidInput(exc.key, **exc.params) from None
    return None


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
