"""Allow ``python -m ppks_cli``."""

from ppks_cli.cli import main

main()
