"""``ppks edit``: correct the client's identity or intake data, as a correction record."""

from __future__ import annotations

from typing import Annotated

import typer

from ppks_cli.commands import _completers
from ppks_cli.commands._casework import CaseArg, DateOpt, JsonOpt, WorkerOpt, begin
from ppks_cli.commands._common import (
    ask,
    command,
    info_line,
    interactive,
    print_json,
    run_editor,
    say,
    warn_line,
    write_options,
)
from ppks_cli.i18n import t


def _opt(name: str, key: str, metavar: str = "TEXT", **kwargs):
    field = {"kk": "kk_number"}.get(key, key)
    return typer.Option(
        name, metavar=metavar, help=t("help.edit.value", field=t(f"correction_field.{field}")),
        **kwargs,
    )


def register(app: typer.Typer) -> None:
    @command(app, "edit", help=t("help.edit.command"), epilog=t("help.edit.example"))
    def edit(
        ctx: typer.Context,
        case_ref: CaseArg,
        name: Annotated[str | None, _opt("--name", "name", "NAME")] = None,
        alias: Annotated[str | None, _opt("--alias", "alias", "NAME")] = None,
        sex: Annotated[str | None, _opt("--sex", "sex", "L|P")] = None,
        nik: Annotated[str | None, _opt("--nik", "nik", "16-DIGITS")] = None,
        kk: Annotated[str | None, _opt("--kk", "kk", "16-DIGITS")] = None,
        birth_place: Annotated[str | None, _opt("--birth-place", "birth_place", "PLACE")] = None,
        birth_date: Annotated[
            str | None, _opt("--birth-date", "birth_date", "YYYY-MM-DD")
        ] = None,
        birth_year: Annotated[str | None, _opt("--birth-year", "birth_year", "YYYY")] = None,
        religion: Annotated[str | None, _opt("--religion", "religion", "RELIGION")] = None,
        marital_status: Annotated[
            str | None, _opt("--marital-status", "marital_status", "STATUS")
        ] = None,
        education: Annotated[str | None, _opt("--education", "education", "LEVEL")] = None,
        occupation: Annotated[str | None, _opt("--occupation", "occupation")] = None,
        phone: Annotated[str | None, _opt("--phone", "phone", "NUMBER")] = None,
        address: Annotated[str | None, _opt("--address", "address", "ADDRESS")] = None,
        last_known_address: Annotated[
            str | None, _opt("--last-known-address", "last_known_address", "ADDRESS")
        ] = None,
        intake_date: Annotated[
            str | None, _opt("--intake-date", "intake_date", "YYYY-MM-DD")
        ] = None,
        source: Annotated[str | None, _opt("--source", "source", "SOURCE")] = None,
        found_at: Annotated[str | None, _opt("--found-at", "found_at", "PLACE")] = None,
        referred_by: Annotated[str | None, _opt("--referred-by", "referred_by", "AGENCY")] = None,
        category: Annotated[
            str | None,
            _opt("--category", "category", "SLUG", autocompletion=_completers.CATEGORY),
        ] = None,
        reason: Annotated[
            str | None, typer.Option("--reason", metavar="TEXT", help=t("help.edit.reason"))
        ] = None,
        date: DateOpt = None,
        worker: WorkerOpt = None,
        json_output: JsonOpt = False,
    ) -> None:
        from ppks_cli import corrections
        from ppks_cli.errors import InvalidInput

        given = {
            "name": name, "alias": alias, "sex": sex, "nik": nik, "kk_number": kk,
            "birth_place": birth_place, "birth_date": birth_date, "birth_year": birth_year,
            "religion": religion, "marital_status": marital_status, "education": education,
            "occupation": occupation, "phone": phone, "address": address,
            "last_known_address": last_known_address, "intake_date": intake_date,
            "source": source, "found_at": found_at,
            "referred_by": referred_by, "category": category,
        }  # fmt: skip
        repo, case, when, who = begin(ctx, case_ref, date, worker)
        if any(v is not None for v in given.values()):
            values = corrections.parse_values(given)  # refused here: nothing written
            if (reason is None or not reason.strip()) and interactive(ctx):
                if corrections.plan_changes(case, values):
                    reason = ask(t("prompt.edit_reason"), _reason)
        elif interactive(ctx):
            corrections.check_not_backdated(case, when)  # before anything is typed
            answer = _edit_in_editor(case, reason)
            if answer is None:
                _report_nothing(case, json_output, "edit.abandoned")
                return
            values, reason = answer
        else:
            raise InvalidInput("error.edit_nothing_given")
        result = corrections.edit_case(
            repo, case.id, values, reason=reason, worker=who, date=when,
            options=write_options(ctx),
        )  # fmt: skip
        if result.record is None:
            _report_nothing(result.case, json_output, "edit.unchanged", result)
            return
        for warning in result.warnings:
            warn_line(str(warning))
        if json_output:
            print_json(result)
            return
        changes = "; ".join(corrections.describe_change(c) for c in result.record.changes)
        say(t("edit.done", case=result.case.id, record=result.record.id, changes=changes))


def _reason(text: str) -> str:
    from ppks_cli.errors import InvalidInput

    if not text.strip():
        raise InvalidInput("error.missing_option", option="--reason")
    return text.strip()


def _report_nothing(case, json_output: bool, key: str, result=None) -> None:
    if json_output:
        from ppks_cli.corrections import EditResult

        info_line(t(key))
        print_json(result or EditResult(case, None))
        return
    say(t(key))


def _edit_in_editor(case, reason: str | None):
    """Open the case's correctable fields in ``$VISUAL``/``$EDITOR`` (like ``git
    commit``) until what is saved is valid; returns ``(values, reason)``, or None when
    the file was emptied (abandoned). A reason missing from the file is asked. Like
    ``kubectl edit``, a file closed unchanged after an error gives up: raises
    :class:`~ppks_cli.errors.Cancelled`, as does an editor that fails."""
    import tempfile
    from pathlib import Path

    from ppks_cli import corrections
    from ppks_cli.errors import Cancelled, PpksError

    text = corrections.editor_text(case)
    if reason:
        import tomli_w

        text = text.replace('reason = ""', tomli_w.dumps({"reason": reason}).strip(), 1)
    error: str | None = None
    with tempfile.TemporaryDirectory(prefix="ppks-") as folder:
        path = Path(folder) / "koreksi.toml"
        while True:
            path.write_text(text, encoding="utf-8")
            run_editor(path)
            saved = path.read_text(encoding="utf-8")
            if error is not None and saved == text:  # closed unchanged after an error
                raise Cancelled("error.edit_unchanged_after_error", error=error)
            try:
                answer = corrections.read_editor_text(case, saved)
                if answer is None:
                    return None
                values = corrections.parse_values(answer.values)
                changes = corrections.plan_changes(case, values)
            except PpksError as exc:  # re-opened, what was typed kept, the error on top
                error = str(exc)
                text = _error_on_top(error, _without_error_on_top(saved))
                continue
            if not changes:
                return {}, answer.reason
            # only what the worker changed: a colleague's correction that landed while the
            # editor was open (ppks holds no lock meanwhile) is not undone by the values
            # the editor showed
            values = {name: value for name, value in values.items()
                      if name in {c.field for c in changes}}  # fmt: skip
            return values, answer.reason or reason or ask(t("prompt.edit_reason"), _reason)


def _error_on_top(error: str, text: str) -> str:
    lines = [f"# {line}" for line in t("edit.editor_error", error=error).splitlines()]
    return "\n".join(lines) + "\n#\n" + text


def _without_error_on_top(text: str) -> str:
    """``text`` without the error comments a previous round put on top."""
    marker = t("edit.editor_error", error="").splitlines()[0]
    lines = text.splitlines(keepends=True)
    if lines and lines[0].startswith(f"# {marker}"):
        while lines and lines[0].startswith("#") and lines[0].strip() != "#":
            lines.pop(0)
        if lines and lines[0].strip() == "#":
            lines.pop(0)
    return "".join(lines)
