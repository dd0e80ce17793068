"""What every command shares: the one-line error, the exit statuses, argument types, saving a model."""

import argparse
import io
import math
import os
import sys

EXIT_BAD_INPUT = 2
EXIT_DIVERGED = 1
EXIT_INTERNAL = 3


class CliError(Exception):
    """Bad command-line input; shown as one ``error:`` line."""


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one ``error:`` line instead of usage text plus a message."""

    def error(self, message):
        raise CliError(f"{message} (see: {self.prog} --help)")


def one_line(error):
    """An exception as one line of text (an OSError names its file)."""
    if isinstance(error, OSError) and error.filename:
        return f"{error.filename}: {error.strerror}"
    told_to = getattr(error, "told_to", None)   # a DataError names its remedy as the command line spells it
    text = " ".join((told_to("cli") if told_to else str(error)).split())
    return text or type(error).__name__


FORMAT_HELP = ("the format of a model file whose name has no extension: npz json safetensors onnx py "
               "(default: the extension; npz for '-', a device or a FIFO)")


def save(model, path, format=None):
    from bpstudio.core.io.model_files import save_model

    save_model(model, path, format)
    say(f"saved {'to standard output' if to_stdout(path) else path}")


def to_stdout(path):
    """Whether a file name stands for standard output ('-', /dev/stdout, /dev/fd/1)."""
    from bpstudio.core.io.special_files import descriptor

    return descriptor(path) == 1


def say(text):
    """A line on stderr (progress, "saved …"); a closed stderr loses the line, never the work."""
    try:
        print(text, file=sys.stderr, flush=True)
    except (OSError, ValueError):   # EPIPE, EBADF, or a closed stream object
        pass


def emit(text):
    """Write ``text`` to stdout. A reader that has gone (``bpstudio … | head -1``) is not an error: the
    rest of the output goes nowhere and the command ends as it would have."""
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        silence_stdout()


def silence_stdout():
    """Point stdout at /dev/null, so that the interpreter's last flush cannot fail on a gone reader."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, ValueError, io.UnsupportedOperation):   # a test's capture object: nothing to do
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)


# --- argument types: each rejects bad values with a message argparse puts after the option's name ----


def layer_sizes(text):
    if text.strip().lower() in ("", "none"):
        return []
    try:
        sizes = [int(part) for part in text.split(",")]
    except ValueError:
        sizes = []
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list of layer sizes ≥ 1, such as 16,8")
    return sizes


def _number_above(low, inclusive):
    """An argparse type: a finite number > low (≥ low when inclusive)."""
    relation = "≥" if inclusive else ">"

    def parse(text):
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not (math.isfinite(value) and (value >= low if inclusive else value > low)):
            raise argparse.ArgumentTypeError(f"must be a finite number {relation} {low}, got {text!r}")
        return value
    return parse


positive_number = _number_above(0, inclusive=False)
non_negative_number = _number_above(0, inclusive=True)


def fraction(text):
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"must be a number in [0, 1), got {text!r}")
    return value


def whole_number(text, low=1):
    try:
        value = int(text)
    except ValueError:
        value = low - 1
    if value < low:
        raise argparse.ArgumentTypeError(f"must be a whole number ≥ {low}, got {text!r}")
    return value


def epoch_count(text):
    """Epochs: what the app's Epochs box and a model file allow (1 to 10,000,000)."""
    from bpstudio.core.io.schema import MAX_EPOCHS

    value = whole_number(text)
    if value > MAX_EPOCHS:
        raise argparse.ArgumentTypeError(f"must be at most {MAX_EPOCHS:,}, got {text!r}")
    return value


def whole_number_or_zero(text):
    return whole_number(text, low=0)


def decay(text):
    """A learning-rate decay factor in (0, 1]."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"must be a number in (0, 1], got {text!r}")
    return value


def betas(text):
    """Adam's pair "B1,B2", each in [0, 1)."""
    try:
        pair = tuple(float(part) for part in text.split(","))
    except ValueError:
        pair = ()
    if len(pair) != 2 or not all(0 <= b < 1 for b in pair):
        raise argparse.ArgumentTypeError(f"must be two numbers in [0, 1) separated by a comma, such as 0.9,0.999; "
                                         f"got {text!r}")
    return pair
