"""Turning what a worker typed into plan goals and tasks (``--goal``, ``--measure``,
``--target-date``, ``--task "what;who;when"``)."""

from __future__ import annotations

from collections.abc import Sequence

from ppks_cli.dates import parse_date
from ppks_cli.errors import InvalidInput
from ppks_cli.i18n import Msg
from ppks_cli.records import Goal, GoalProgress, Task
from ppks_cli.validation import build


def _spread(values: Sequence[str], count: int, option: str) -> list[str | None]:
    """One value per goal: none, one for all, or exactly one each."""
    if not values:
        return [None] * count
    if len(values) == 1:
        return list(values) * count
    if len(values) != count:
        raise InvalidInput(
            "error.invalid_option", option=option,
            detail=Msg("validation.per_goal", given=len(values), goals=count),
        )  # fmt: skip
    return list(values)


def build_goals(goals: Sequence[str], measures: Sequence[str], dates: Sequence[str]) -> list[Goal]:
    """``--goal`` texts with their ``--measure`` and ``--target-date`` (matched in order;
    a single measure or date applies to every goal)."""
    count = len(goals)
    built = []
    for what, measure, day in zip(
        goals, _spread(measures, count, "--measure"), _spread(dates, count, "--target-date"),
        strict=True,
    ):  # fmt: skip
        target = parse_date(day, option="--target-date", allow_future=True) if day else None
        options = {"what": "--goal", "measure": "--measure", "target_date": "--target-date"}
        built.append(
            build(Goal, options, what=what.strip(), measure=(measure or "").strip() or None,
                  target_date=target)  # fmt: skip
        )
    return built


def parse_task(value: str, option: str | None = "--task") -> Task:
    """``"Hubungi keluarga;Saskia;2024-03-01"``: what, who, when (a date as
    :func:`ppks_cli.dates.parse_date` reads it: ``01-03-2024``, ``1 Maret 2024``).
    Raises :class:`InvalidInput` naming ``option`` (``None``: an answer at a prompt,
    whose error speaks of the task and its date rather than of a flag)."""
    named = option or "-"
    parts = [p.strip() or None for p in value.split(";")]
    if not parts[0] or len(parts) > 3:
        raise InvalidInput(
            "error.invalid_option", option=named, detail=Msg("validation.task", value=value)
        )
    parts += [None] * (3 - len(parts))
    when = None
    if parts[2]:
        try:
            when = parse_date(parts[2], option=named, allow_future=True)
        except InvalidInput as exc:
            if option is not None:
                raise
            raise InvalidInput(
                "error.invalid_option", option=named,
                detail=Msg("form.task_date", task=parts[0], reason=Msg(
                    "prompt_error." + exc.key.partition(".")[2], exc.params)),
            ) from None  # fmt: skip
    return build(Task, named, what=parts[0], who=parts[1], when=when)


def dates_before(goals: Sequence[Goal], tasks: Sequence[Task], plan_date) -> list[Msg]:
    """A warning (``form.date_before_plan``) for each goal's target date and each task's
    date that falls before ``plan_date``, the plan's own date: possible (something
    planned late), more likely a typo."""
    found = []
    for number, goal in enumerate(goals, start=1):
        if goal.target_date is not None and goal.target_date < plan_date:
            found.append(Msg("form.date_before_plan", date=goal.target_date.isoformat(),
                             what=Msg("form.goal_number", number=number),
                             plan=plan_date.isoformat()))  # fmt: skip
    for task in tasks:
        if task.when is not None and task.when < plan_date:
            found.append(Msg("form.date_before_plan", date=task.when.isoformat(),
                             what=task.what, plan=plan_date.isoformat()))  # fmt: skip
    return found


def parse_goal_status(value: str) -> GoalProgress:
    """``"1=achieved"`` or ``"2=partly:masih perlu pendampingan"``: a goal number, ``=``,
    a status as :data:`ppks_cli.choices.GOAL_STATUS` reads it (``1=sebagian`` and
    ``1=tercapai sebagian`` are ``partly``) and an optional note after ``:``. Raises
    :class:`InvalidInput` naming ``--goal-status``."""
    from ppks_cli.choices import GOAL_STATUS, GOAL_STATUSES
    from ppks_cli.nik import is_ascii_digits, normalize_digits

    number, sep, rest = value.partition("=")
    number = normalize_digits(number)  # "２" and "٢" are 2; "²" alone is no number
    status, _, note = rest.partition(":")
    if not sep or not is_ascii_digits(number) or len(number) > 3 or not status.strip():
        raise InvalidInput(
            "error.invalid_option", option="--goal-status",
            detail=Msg("validation.goal_status", value=value, expected=", ".join(GOAL_STATUSES)),
        )  # fmt: skip
    # the status as at the prompt: "partly", "tercapai sebagian", "sebagian", "2" …
    code = GOAL_STATUS.parse(status, "--goal-status")
    return build(GoalProgress, "--goal-status", goal=int(number), status=code,
                 note=note.strip() or None)  # fmt: skip
