#!/usr/bin/env python
"""Django's command-line entry point for casework."""

import os
import sys

# Commands that use no database and serve nothing: they run without the server's settings.
OFFLINE_COMMANDS = {"linklists"}


def main() -> None:
    offline = len(sys.argv) > 1 and sys.argv[1] in OFFLINE_COMMANDS
    os.environ.setdefault(
        "DJANGO_SETTINGS_MODULE", "casework.settings_offline" if offline else "casework.settings"
    )
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
