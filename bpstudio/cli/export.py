"""``bpstudio export MODEL OUT``: convert a model file; the output's extension picks the format."""

from bpstudio.cli.common import save


def add_parser(commands):
    export = commands.add_parser("export", help="convert a model file to another format",
                                 description="Convert a model file; the output's extension picks the format.")
    export.add_argument("model", metavar="MODEL")
    export.add_argument("out", metavar="OUT", help=".npz .json .safetensors .onnx or .py")
    export.set_defaults(run=run)


def run(args):
    from bpstudio.core.io.model_files import load_model

    save(load_model(args.model), args.out)
    return 0
