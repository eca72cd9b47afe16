"""``ppks refer``: refer the client to another institution, or update a referral."""

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
    maybe,
    need,
    one_of,
    option,
    show_step,
)
from ppks_cli.commands._common import command, interactive, write_options
from ppks_cli.i18n import t


def parse_consent(value: str) -> bool:
    """The client's consent: yes or no in either language (``ya``, ``y``, ``tidak``,
    ``t``, ``yes``, ``no`` …; :data:`ppks_cli.choices.YES_OR_NO`)."""
    from ppks_cli.choices import parse_yes_no

    return parse_yes_no(value, "--consent")


def register(app: typer.Typer) -> None:
    @command(app, "refer", help=t("help.refer.command"), epilog=t("help.refer.example"))
    def refer(
        ctx: typer.Context,
        case_ref: CaseArg,
        to: Annotated[str | None, option(
                "--to", key="refer.to", metavar="INSTITUTION",
                autocompletion=_completers.DESTINATION,
            )] = None,
        reason: Annotated[str | None, option("--reason", key="refer.reason")] = None,
        request: Annotated[str | None, option("--request", key="refer.request")] = None,
        consent: Annotated[
            str | None, option("--consent", key="refer.consent", metavar="yes|no")
        ] = None,
        no_consent_reason: Annotated[
            str | None, option("--no-consent-reason", key="refer.no_consent_reason")
        ] = None,
        status: Annotated[
            str | None, option("--status", key="refer.status", metavar="STATUS")
        ] = None,
        referral: Annotated[
            str | None, option("--referral", key="refer.referral", metavar="REF")
        ] = None,
        note: Annotated[str | None, option("--note", key="refer.note")] = None,
        date: DateOpt = None,
        worker: WorkerOpt = None,
        json_output: JsonOpt = False,
    ) -> None:
        from ppks_cli import casework
        from ppks_cli.records import REFERRAL_STATUSES

        updating = status is not None or referral is not None
        repo, case, when, who = begin(ctx, case_ref, date, worker, None if updating else "refer")
        if updating:
            updates = REFERRAL_STATUSES[1:]
            result = casework.record_step(
                repo, case.id, "update_referral", options=write_options(ctx),
                date=when, worker=who, referral=referral,
                status=need(
                    ctx, status, "--status", "referral_status",
                    **one_of("referral_status", updates, "--status"),
                ),
                note=note,
            )  # fmt: skip
            show_step(result, json_output)
            return
        directory = [(r.name, r.kind or "") for r in repo.config.resources]
        destination = need(
            ctx, to, "--to", "destination",
            lambda value: casework.resolve_destination(repo, value, "--to"), choices=directory,
        )  # fmt: skip
        given = need(ctx, consent, "--consent", "consent", parse_consent)
        result = casework.record_step(
            repo, case.id, "refer", options=write_options(ctx),
            date=when, worker=who, destination=destination,
            reason=need(ctx, reason, "--reason", "referral_reason"),
            request=maybe(ctx, request, "referral_request", ask_it=interactive(ctx) and to is None),
            consent=given,
            no_consent_reason=no_consent_reason if given else need(
                ctx, no_consent_reason, "--no-consent-reason", "no_consent_reason"
            ),
        )  # fmt: skip
        show_step(result, json_output)
