"""``ppks show``: one case, readable or as JSON."""

from __future__ import annotations

from typing import Annotated

import typer

from ppks_cli.commands import _completers
from ppks_cli.commands._common import command, console, open_repo, print_json, warn_line
from ppks_cli.i18n import get_language, label, t


def register(app: typer.Typer) -> None:
    @command(app, "show", help=t("help.show.command"), epilog=t("help.show.example"))
    def show(
        ctx: typer.Context,
        case_ref: Annotated[str, typer.Argument(
                metavar="CASE", help=t("help.option.case"), autocompletion=_completers.CASE
            )],
        as_of: Annotated[
            str | None,
            typer.Option("--as-of", metavar="DATE|REV", help=t("help.show.as_of")),
        ] = None,
        json_output: Annotated[bool, typer.Option("--json", help=t("help.option.json"))] = False,
    ) -> None:
        from ppks_cli.views import show_case

        view = show_case(open_repo(ctx), case_ref, as_of=as_of)
        for problem in view.damaged:
            warn_line(t("show.damaged_record", problem=problem.render()))
        if json_output:
            print_json(view)
            return
        if view.as_of is not None:
            moment = view.as_of.moment.strftime("%Y-%m-%d %H:%M")
            console().print(t("show.as_of", revision=view.as_of.revision[:10], date=moment))
        render_case(view.case, view.config, view.today)
        render_links(view.links)
        render_attachments(view.case)
        render_shelter(view.case, view.config, view.today)
        render_raids(view.case, view.config)


def render_raids(case, config) -> None:
    """The street raids the client was caught in, their count, and a warning once the
    count reaches ``[raids] repeat_threshold``."""
    from ppks_cli.raids import case_catches

    found = case_catches(case, config.raids.repeat_threshold)
    if not found["catches"]:  # a street-raid intake alone is said by the intake itself
        return
    _section(t("raids.show_title", count=found["count"]))
    if found["intake"]:
        console().print(t("raids.count.intake_line", date=found["intake"]), markup=False,
                        highlight=False, emoji=False)  # fmt: skip
    for catch in found["catches"]:
        where = f" — {catch['destination']}" if catch["destination"] else ""
        console().print(
            t("raids.show_line", date=catch["date"], raid=catch["raid"],
              disposition=label("disposition", catch["disposition"]), destination=where),
            markup=False, highlight=False, emoji=False,
        )  # fmt: skip
    if found["reached"]:
        from rich.text import Text

        console().print(Text(t("raids.threshold_reached", case=case.id, count=found["count"],
                               threshold=found["threshold"]), style="bold yellow"))  # fmt: skip


def render_attachments(case) -> None:
    """The files attached to the case (kind, original name, size, date, worker)."""
    attached = [r for r in case.records if r.kind == "attachment"]
    if not attached:
        return
    _section(t("attachment.title"))
    for record in attached:
        console().print(
            t("attachment.line", kind=label("attachment_kind", record.document),
              name=record.original_name, size=record.size, date=record.date.isoformat(),
              worker=record.worker, record=record.id),
            markup=False, highlight=False, emoji=False,
        )  # fmt: skip


def render_shelter(case, config, today) -> None:
    """The client's stays in the rumah singgah (when there are any): each from the day
    of admission to the discharge and where the client went, or the day of the stay
    today, marked past ``[shelter] max_days``."""
    from ppks_cli.shelter import case_stays

    stays = case_stays(case)
    if not stays:
        return
    limit = config.shelter.max_days if config is not None else None
    _section(t("shelter.show_title"))
    for stay in stays:
        where = stay.shelter or t("shelter.unnamed")
        bed = ", " + t("shelter.headline_bed", bed=stay.bed) if stay.bed else ""
        if stay.discharged is None:
            days = stay.days_on(today)
            line = t("shelter.show_open", admitted=stay.admitted.isoformat(), day=days,
                     shelter=where, bed=bed)  # fmt: skip
            if limit is not None and days > limit:
                line += " ⚠ " + t("shelter.show_over", max_days=limit)
        else:
            line = t("shelter.show_closed", admitted=stay.admitted.isoformat(),
                     discharged=stay.discharged.isoformat(), days=stay.length, shelter=where,
                     bed=bed, to=label("discharge_destination", stay.to))  # fmt: skip
        console().print(line, markup=False, highlight=False, emoji=False)


def render_links(links) -> None:
    """The relations to other cases (:class:`ppks_cli.links.CaseLink`), when there are any."""
    if not links:
        return
    _section(t("link.title"))
    console().print(
        _grid([
            (label("relation", link.relation),
             "  ".join(x for x in (link.other, link.name, link.reason and f"({link.reason})")
                       if x))
            for link in links
        ])
    )  # fmt: skip


def _grid(rows: list[tuple[str, object]]):
    from rich.table import Table
    from rich.text import Text

    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()
    for key, value in rows:
        if value is None or value == "" or value == []:
            continue
        grid.add_row(Text(key), Text(str(value)))
    return grid


def _person(p) -> str:
    parts = [p.name]
    if p.relation:
        parts[0] += f" ({p.relation})"
    parts += [x for x in (p.phone, p.address, p.note) if x]
    return ", ".join(parts)


def render_case(case, config, today) -> None:
    from rich.text import Text

    from ppks_cli import categories
    from ppks_cli.dates import long_date

    out = console()
    client, intake, state = case.client, case.current.intake, case.state
    title = Text()
    title.append(case.id, style="bold cyan")
    title.append("  ")
    title.append(client.name, style="bold")
    out.print(title)
    category = categories.categories()[case.current.category]
    out.print(
        _grid(
            [
                (
                    t("field.stage"),
                    f"{label('stage', state.stage)}"
                    + (f" — {t('show.closed')}" if state.closed else ""),
                ),
                (t("field.category"), category.display(get_language())),
                (t("field.tags"), ", ".join(case.file.tags)),
                (t("field.current_worker"), _current_worker(state)),
            ]
        )
    )
    out.print()
    out.print(Text(t("show.client"), style="bold underline"))
    birth = (
        long_date(client.birth_date)
        if client.birth_date
        else (t("show.estimated_year", year=client.birth_year) if client.birth_year else None)
    )
    out.print(
        _grid(
            [
                (t("field.name"), client.name),
                (t("field.alias"), client.alias),
                (t("field.former_names"), ", ".join(case.former_names)),
                (t("field.sex"), label("sex", client.sex)),
                (t("field.nik"), client.nik),
                (t("field.kk_number"), client.kk_number),
                (t("field.birth"), ", ".join(x for x in (client.birth_place, birth) if x)),
                (t("field.religion"), client.religion and label("religion", client.religion)),
                (
                    t("field.marital_status"),
                    client.marital_status and label("marital", client.marital_status),
                ),
                (t("field.education"), client.education and label("education", client.education)),
                (t("field.occupation"), client.occupation),
                (t("field.phone"), client.phone),
                (t("field.address"), client.address),
                (t("field.last_known_address"), client.last_known_address),
            ]
        )
    )
    people = [(t("field.family"), _person(p)) for p in client.family]
    people += [(t("field.contact"), _person(p)) for p in client.contacts]
    if people:
        out.print(_grid(people))
    out.print()
    out.print(Text(t("show.intake"), style="bold underline"))
    out.print(
        _grid(
            [
                (t("field.date"), long_date(intake.date)),
                (t("field.source"), label("source", intake.source)),
                (t("field.found_at"), intake.found_at),
                (t("field.referred_by"), intake.referred_by),
                (t("field.worker"), intake.worker),
                (t("field.note"), intake.note),
            ]
        )
    )

    _render_casework(case, config, today)


def _current_worker(state) -> str | None:
    """Who the case is with, once it was transferred (else the intake shows it)."""
    if not state.transfers:
        return None
    latest = state.transfers[-1]
    return t("transfer.shown", current=latest.to, date=latest.date.isoformat(),
             intake=state.intake_worker)  # fmt: skip


def _section(title: str) -> None:
    from rich.text import Text

    out = console()
    out.print()
    out.print(Text(title, style="bold underline"))


def _lines(items: list[str]) -> str:
    return "\n".join(f"• {item}" for item in items)


def _render_casework(case, config, today) -> None:
    from rich.table import Table
    from rich.text import Text

    from ppks_cli import deadlines, workflow
    from ppks_cli.dates import long_date
    from ppks_cli.views import headline

    out = console()
    state = case.state
    problems = [str(m) for _, m in state.warnings]
    overdue = [str(m) for m in deadlines.overdue(config, state, case, today)]
    if problems or overdue:
        _section(t("show.attention"))
        for line in overdue:
            out.print(Text(f"⚠ {line}", style="bold red"))
        for line in problems:
            out.print(Text(f"⚠ {line}", style="yellow"))
    if not state.closed:
        out.print()
        out.print(Text(t("show.next", commands=workflow.suggest(case, state.next_commands()))))

    def approval_note(record) -> str | None:
        if state.is_approved(record):
            approval = state.approvals[record.id]
            return t("show.approved", by=approval.by, date=long_date(approval.date))
        if config.supervision.requires(record.kind):
            return t("show.awaiting_approval")
        return None

    assessment = state.latest_assessment
    if assessment:
        _section(
            t("show.latest_assessment", date=long_date(assessment.date), worker=assessment.worker)
        )
        out.print(
            _grid(
                [
                    (t("field.problems"), _lines(assessment.problems)),
                    (t("field.needs"), _lines(assessment.needs)),
                    (t("field.strengths"), _lines(assessment.strengths)),
                    (t("field.resources"), _lines(assessment.resources)),
                    (t("field.information_sources"), _lines(assessment.information_sources)),
                    (t("field.context"), assessment.context),
                    (t("field.priorities"), _lines(assessment.priorities)),
                    (t("field.risk"), assessment.risk and label("risk", assessment.risk)),
                    (t("field.recommendation"), assessment.recommendation),
                    (t("field.approval"), approval_note(assessment)),
                ]
            )
        )
    plan = state.current_plan
    if plan:
        _section(t("show.current_plan", date=long_date(plan.date), worker=plan.worker))
        status = state.goal_status()
        goals = Table(box=None, pad_edge=False, header_style="bold")
        for key in ("number", "goal", "measure", "target", "status"):
            goals.add_column(t(f"column.{key}"))
        for number, goal in enumerate(plan.goals, start=1):
            goals.add_row(
                Text(str(number)),
                Text(goal.what),
                Text(goal.measure or "—"),
                Text(long_date(goal.target_date) if goal.target_date else "—"),
                Text(
                    label("goal_status", status[number])
                    if number in status
                    else t("show.not_evaluated")
                ),
            )
        out.print(goals)
        tasks = [
            ", ".join(x for x in (task.what, task.who, task.when and long_date(task.when)) if x)
            for task in plan.tasks
        ]
        out.print(
            _grid(
                [
                    (t("field.strategies"), _lines(plan.strategies)),
                    (t("field.techniques"), _lines(plan.techniques)),
                    (t("field.tasks"), _lines(tasks)),
                    (t("field.resources"), _lines(plan.resources)),
                    (t("field.approval"), approval_note(plan)),
                ]
            )
        )
    referrals = state.referrals(open_only=True)
    if referrals:
        _section(t("show.open_referrals"))
        for referral, status in referrals:
            consent = (
                t("show.consent_yes")
                if referral.consent
                else t("show.consent_no", reason=referral.no_consent_reason)
            )
            out.print(
                Text(
                    f"{referral.id}  {long_date(referral.date)}  {referral.destination}  "
                    f"[{label('referral_status', status)}]  {consent}"
                )
            )
    termination = state.termination
    if termination:
        _section(t("show.termination", date=long_date(termination.date)))
        out.print(
            _grid(
                [
                    (t("field.reason"), label("termination_reason", termination.reason)
                     + (f" ({termination.reason_note})" if termination.reason_note else "")),
                    (t("field.achieved"), termination.outcome),
                    (t("field.placement"), termination.placement),
                    (t("field.aftercare"), termination.aftercare),
                    (t("field.approval"), approval_note(termination)),
                ]
            )
        )  # fmt: skip
    if case.records:
        _section(t("show.timeline"))
        for episode in state.episodes:
            if len(state.episodes) > 1:
                out.print(
                    Text(
                        t("show.episode", number=episode.number, date=long_date(episode.opened)),
                        style="bold",
                    )
                )
            timeline = Table(box=None, pad_edge=False, show_header=False)
            timeline.add_column(no_wrap=True)
            timeline.add_column(no_wrap=True, style="bold")
            timeline.add_column()
            timeline.add_column(no_wrap=True, style="dim")
            flagged = {r.id for r, _ in state.warnings}
            for record in episode.records:
                timeline.add_row(
                    Text(record.date.isoformat()),
                    Text(label("kind", record.kind) + (" ⚠" if record.id in flagged else "")),
                    Text(headline(record)),
                    Text(f"{record.worker} · {record.id}"),
                )
            out.print(timeline)
