"""Shell completion through Typer's protocol: ``ppks --install-completion`` and
``--show-completion``, and the answers to the shell's requests (the completion script
runs ``ppks`` with ``_PPKS_COMPLETE=complete_bash`` and the words typed so far).

Imported only then: neither building the commands nor running one imports this module
or :mod:`ppks_cli.completion`. While completing, nothing is printed but the completions:
no error, warning or traceback ever reaches the user's command line.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable
from typing import Any, NoReturn

import typer

from ppks_cli.i18n import t

PROG_NAME = "ppks"
COMPLETE_VAR = "_PPKS_COMPLETE"  # what Typer's completion scripts set (see :func:`script`)
SHELLS = ("bash", "zsh", "fish", "powershell", "pwsh")

# what the last autocompletion callback answered, before Typer kept only the values that
# start with the typed text (a case found by its client's name starts otherwise)
_answered: list[list[tuple[str, str]]] = []


def values(ctx: typer.Context, kind: str, incomplete: str) -> list[tuple[str, str]]:
    """The completions of a word of ``kind`` (an autocompletion callback's answer), in the
    repository named by ``--root`` earlier on the line, else the usual one."""
    from ppks_cli import completion

    root = ctx.find_root().params.get("root")
    root = root[0] if isinstance(root, list | tuple) and root else root  # --root: a list
    pairs = completion.candidates(kind, incomplete, root if isinstance(root, str) else None)
    _answered[:] = [pairs]
    return pairs


# --- the shells' side of the protocol ---------------------------------------------------------

_BASH_SAFE = re.compile(r"[^\w@%+=:,./-]", re.ASCII)


def bash_quoted(value: str) -> str:
    """``value`` as bash inserts it into the command line: every character that is not
    plainly safe escaped with a backslash (``Wati\\ Sembiring``)."""
    return _BASH_SAFE.sub(lambda m: "\\" + m.group(), value)


def powershell_quoted(value: str) -> str:
    """``value`` as PowerShell inserts it: in single quotes when it holds anything but
    letters, digits and ``-_./:``."""
    if re.fullmatch(r"[\w\-./:]+", value):
        return value
    return "'" + value.replace("'", "''") + "'"


def _classes() -> dict[str, type]:
    """Typer's completion class of each shell, changed in four ways: the values a
    callback gave are used as given (Typer keeps only those starting with the typed
    text, which drops a case found by its client's name); help texts are escaped where
    Typer reads them as rich markup (a name with ``[/]`` would fail); values are quoted
    for bash and PowerShell (a worker's name has spaces); and ``--opt=value`` as bash
    splits it (``--opt``, ``=``, ``value``) is read as the option and its value."""
    from typer.completion import completion_init, shell_completion

    completion_init()
    item_class = shell_completion.CompletionItem

    def unfiltered(base: type) -> type:
        class Completion(base):
            # Typer shows the help of zsh and fish as rich markup: a name is escaped
            renders_markup = True

            def get_completions(self, args: list[str], incomplete: str) -> list[Any]:
                from rich.markup import escape

                _answered.clear()
                try:
                    items = super().get_completions(args, incomplete)
                except Exception:  # nothing may reach the shell
                    return []
                if _answered:
                    shown = escape if self.renders_markup else str
                    items = [item_class(v, help=shown(h) or None) for v, h in _answered[0]]
                return items

        Completion.__name__ = f"Ppks{base.__name__}"
        return Completion

    found = {name: shell_completion.get_completion_class(name) for name in SHELLS}
    classes = {name: unfiltered(cls) for name, cls in found.items() if cls is not None}

    bash = classes["bash"]

    class Bash(bash):
        def get_completion_args(self) -> tuple[list[str], str]:
            args, incomplete = super().get_completion_args()
            if incomplete == "=" and args and args[-1].startswith("-"):
                incomplete = ""
            joined: list[str] = []
            for word in args:
                if word == "=" and joined and joined[-1].startswith("-"):
                    continue  # "--worker = Wa": the value follows its option
                joined.append(word)
            return joined, incomplete

        def format_completion(self, item: Any) -> str:
            return bash_quoted(str(item.value))

    powershell = classes.get("powershell")
    result = {**classes, "bash": Bash}
    if powershell is not None:

        class PowerShell(powershell):
            renders_markup = False

            def format_completion(self, item: Any) -> str:
                help_text = (item.help or " ").replace(":::", ": ")
                return f"{powershell_quoted(str(item.value))}:::{help_text}"

        result["powershell"] = result["pwsh"] = PowerShell
    return result


def register() -> None:
    """Make Typer answer the shells' requests with the classes of :func:`_classes`."""
    from typer.completion import shell_completion

    for name, cls in _classes().items():
        shell_completion.add_completion_class(cls, name)


def typed_words(environ: dict[str, str] | None = None) -> list[str]:
    """The words before the one being completed, as the completion script of the shell
    (named by ``_PPKS_COMPLETE``) passes them, without the program's name."""
    from typer.completion import shell_completion

    env = os.environ if environ is None else environ
    shell = env.get(COMPLETE_VAR, "").partition("_")[2]
    split = shell_completion.split_arg_string
    if shell == "bash":
        words = split(env.get("COMP_WORDS", ""))
        return words[1 : int(env.get("COMP_CWORD", "0") or 0)]
    typed = env.get("_TYPER_COMPLETE_ARGS", "")
    words = split(typed)[1:]
    if shell in ("powershell", "pwsh"):
        return words[:-1] if env.get("_TYPER_COMPLETE_WORD_TO_COMPLETE") else words
    return words[:-1] if words and not typed.endswith(" ") else words


def complete(build_app: Callable[..., typer.Typer]) -> NoReturn:
    """Answer the shell's request for completions and exit: the command tree is built in
    the language and for the command the words typed so far name (as for running it),
    and anything but the completions (an error, a warning, a traceback) is discarded.
    Exits 0 with no output when something goes wrong."""
    from ppks_cli import i18n
    from ppks_cli.commands.app import _argv_value, command_word, module_for

    sys.stderr = open(os.devnull, "w")  # noqa: SIM115 (for the rest of this process)
    try:
        words = typed_words()
        i18n.set_language(
            i18n.choose_language(_argv_value(words, "--lang"), _argv_value(words, "--root", "-C"))
        )
        word, _asks_help = command_word(words)
        module = module_for(word) if word else None
        app = build_app(module) if module else build_app(listing=True)
        register()
        app(prog_name=PROG_NAME)
    except SystemExit:
        raise
    except BaseException:  # noqa: BLE001 (a completion never fails in the shell)
        pass
    sys.exit(0)


# --- --install-completion and --show-completion ----------------------------------------------


def detect_shell() -> str | None:
    """The shell ppks was started from (``bash``, ``zsh``, ``fish``, ``powershell`` or
    ``pwsh``), else the one ``$SHELL`` names; None when neither is one of those."""
    name = None
    try:
        import shellingham

        name = shellingham.detect_shell()[0]
    except Exception:  # not detected (a script, an unusual terminal)
        name = None
    if name not in SHELLS:
        name = os.path.basename(os.environ.get("SHELL", "")) or None
    return name.lower() if name and name.lower() in SHELLS else None


def script(shell: str) -> str:
    """The completion script of ``shell`` (one of :data:`SHELLS`)."""
    from typer.completion import get_completion_script

    return get_completion_script(prog_name=PROG_NAME, complete_var=COMPLETE_VAR, shell=shell)


def install_or_show(action: str) -> NoReturn:
    """``--install-completion`` (``action`` ``install``): write the completion script
    where the detected shell reads it (bash: ``~/.bash_completions/ppks.sh``, sourced from
    ``~/.bashrc``; zsh: ``~/.zfunc/_ppks``; fish: ``~/.config/fish/completions``;
    PowerShell: the profile) and say where; ``--show-completion`` (``show``): print the
    script. Raises :class:`~ppks_cli.errors.InvalidInput` when the shell is not one of
    :data:`SHELLS`."""
    from ppks_cli.commands._common import say, write_out
    from ppks_cli.errors import InvalidInput

    shell = detect_shell()
    if shell is None:
        raise InvalidInput(
            "completion.unknown_shell", shell=os.path.basename(os.environ.get("SHELL", "")) or "?"
        )
    if action == "show":
        write_out(script(shell) + "\n")
        raise typer.Exit()
    from typer.completion import install

    installed, path = install(shell=shell, prog_name=PROG_NAME, complete_var=COMPLETE_VAR)
    say(t("completion.installed", shell=installed, path=str(path)))
    say(t("completion.restart"))
    raise typer.Exit()
