"""What every command line of the project shares: one-line errors and the help formatter."""

import argparse
import sys


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Shows defaults, and keeps the description's line breaks (it holds examples).

    A default of None or False (an option left out, a flag not given) is not shown: the help
    says in words what happens then, and "(default: None)" would only contradict it.
    """

    def _get_help_string(self, action):
        if action.default is None or action.default is False:
            return action.help
        return super()._get_help_string(action)


class ArgumentParser(argparse.ArgumentParser):
    """argparse that reports a bad argument in one line, without the usage block."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def fail(prog: str, message: str, code: int = 2) -> int:
    """Print one clear line on stderr and return the exit code to use."""
    print(f"{prog}: error: {message}", file=sys.stderr)
    return code
