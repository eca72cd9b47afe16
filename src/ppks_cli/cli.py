"""The ``ppks`` console script (and ``python -m ppks_cli``): ppks's entry point
(:func:`ppks_cli.commands.app.main`) with Python's cyclic garbage collector paused while
ppks starts.

Start-up (importing typer, pydantic and ppks, building the command, reading the command
line) makes a few hundred thousand objects that all live to the end, and the collector
examined them again and again: about a twentieth of a PDF letter's instructions. It is
paused for start-up and runs again once the command itself begins (:func:`resume`,
called by the command framework), with what start-up made frozen (``gc.freeze``: never
examined again, kept to the end as it would have been). A command that ends while still
starting (``--help``, ``--version``, a usage error) runs without it to the end.
"""

import gc

_paused = False


def main() -> None:
    """Run ``ppks`` with the collector paused until the command begins."""
    global _paused
    if gc.isenabled():  # not when whoever runs ppks has turned it off
        gc.disable()
        _paused = True
    from ppks_cli.commands.app import main as run

    run()


def resume() -> None:
    """The command begins: freeze what start-up made and let the collector run again, when
    :func:`main` paused it (else nothing: ppks run in-process, as the tests do)."""
    global _paused
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()
