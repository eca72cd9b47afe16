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

pydantic's plugins are turned off (:func:`no_pydantic_plugins`).
"""

import gc
import os
import sys
import types

_paused = False
PYDANTIC_PLUGIN_LOADER = "pydantic.plugin._loader"


def main() -> None:
    """Run ``ppks`` with the collector paused until the command begins."""
    global _paused
    if gc.isenabled():  # not when whoever runs ppks has turned it off
        gc.disable()
        _paused = True
    no_pydantic_plugins()
    from ppks_cli.commands.app import main as run

    run()


def no_pydantic_plugins() -> None:
    """Run without pydantic's plugins, and without looking for them.

    A pydantic plugin (an installed package that declares one) is handed every value
    pydantic validates: for ppks, a client's personal data, which must not reach a
    package nobody chose for ppks (UU No. 27/2022 on personal data). pydantic's documented
    switch is ``PYDANTIC_DISABLE_PLUGINS=__all__``, set here for this process. Even so,
    pydantic imports its plugin loader the first time it builds a validator, and with it
    ``importlib.metadata`` (about 14 ms of every command, a twentieth of a PDF letter).
    So the loader's module is given in advance as one whose ``get_plugins`` returns no
    plugin, which is what the real one returns with the switch set; a name it does not
    have (a later pydantic's) takes the real module back and is read from it."""
    os.environ["PYDANTIC_DISABLE_PLUGINS"] = "__all__"
    if PYDANTIC_PLUGIN_LOADER in sys.modules:
        return
    loader = types.ModuleType(PYDANTIC_PLUGIN_LOADER, "pydantic's plugin loader: no plugins")

    def get_plugins() -> tuple[()]:
        return ()

    def __getattr__(name: str) -> object:  # noqa: N807 (a module's __getattr__)
        import importlib

        if name.startswith("__"):  # asked by the import system (``__path__``)
            raise AttributeError(name)
        if sys.modules.get(PYDANTIC_PLUGIN_LOADER) is loader:
            del sys.modules[PYDANTIC_PLUGIN_LOADER]
        return getattr(importlib.import_module(PYDANTIC_PLUGIN_LOADER), name)

    loader.get_plugins = get_plugins  # type: ignore[attr-defined]
    loader.__getattr__ = __getattr__  # type: ignore[method-assign]
    sys.modules[PYDANTIC_PLUGIN_LOADER] = loader


def resume() -> None:
    """The command begins: freeze what start-up made and let the collector run again, when
    :func:`main` paused it (else nothing: ppks run in-process, as the tests do)."""
    global _paused
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()
