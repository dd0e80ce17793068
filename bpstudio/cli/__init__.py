"""The command line. ``bpstudio`` alone opens the app; the subcommands work headless:

    bpstudio train moons --layers 16,8 --epochs 200 --export moons.onnx
    bpstudio predict moons.onnx new_points.csv --out predictions.csv
    bpstudio export moons.onnx moons.py
    bpstudio datasets

Bad input never shows a traceback: it prints one line ``error: …`` (naming the
file, line and column where they apply) and exits with status 2.

One module per command (``train``, ``predict``, ``export``, ``datasets``), each with
``add_parser(commands)`` and ``run(args)``; ``common`` holds what they share.
"""

import sys

from bpstudio import __version__
from bpstudio.cli import datasets, export, predict, train
from bpstudio.cli.common import EXIT_BAD_INPUT, EXIT_DIVERGED, EXIT_INTERNAL, CliError, Parser, one_line

__all__ = ["main", "build_parser", "CliError", "EXIT_BAD_INPUT", "EXIT_DIVERGED", "EXIT_INTERNAL"]

COMMANDS = (train, predict, export, datasets)
SUBCOMMANDS = ("train", "predict", "export", "datasets")


def main(argv=None):
    """Run the command line; returns the exit status (0 ok, 1 training diverged, 2 bad input, 3 a bug)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version")):
        return _open_app(argv)
    try:
        args = build_parser().parse_args(argv)
        return args.run(args)
    except (CliError, ValueError, OSError) as e:  # DataError, ModelFileError, ProjectFileError are ValueErrors
        print(f"error: {one_line(e)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("\nerror: interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # noqa: BLE001 — a bug: still one line, not a traceback
        print(f"error: internal error ({type(e).__name__}: {one_line(e)}); please report it", file=sys.stderr)
        return EXIT_INTERNAL


def build_parser():
    parser = Parser(prog="bpstudio", description=(
        "Build, train and understand multilayer perceptrons. Without a command, bpstudio opens the "
        "desktop app (app options such as --dataset NAME, --screenshot PATH, --size WxH go to the app)."))
    parser.add_argument("--version", action="version", version=f"bpstudio {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", parser_class=Parser)
    for command in COMMANDS:
        command.add_parser(commands)
    return parser


def _open_app(argv):
    """The desktop app, imported only now so the commands work without Qt installed."""
    try:
        from bpstudio.ui.app import main as app_main
    except ImportError as e:
        print(f"error: the desktop app cannot start ({e}); install it with: pip install \"bpstudio[app]\" "
              f"(the commands {', '.join(SUBCOMMANDS)} work without it; see: bpstudio --help)", file=sys.stderr)
        return EXIT_BAD_INPUT
    return app_main(argv)
