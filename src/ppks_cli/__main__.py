"""Allow ``python -m ppks_cli``."""

from ppks_cli.commands.app import main

main()
