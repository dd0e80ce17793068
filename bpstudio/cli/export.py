"""``bpstudio export MODEL OUT``: convert a model file; the output's extension (or --format) picks the format."""

from bpstudio.cli.common import FORMAT_HELP, save


def add_parser(commands):
    export = commands.add_parser("export", help="convert a model file to another format",
                                 description="Convert a model file; the output's extension picks the format "
                                             "(or --format). OUT may be '-' (standard output), a device or a FIFO: "
                                             "the file is written into, never replaced.")
    export.add_argument("model", metavar="MODEL")
    export.add_argument("out", metavar="OUT", help=".npz .json .safetensors .onnx or .py")
    export.add_argument("--format", metavar="FORMAT", help=FORMAT_HELP)
    export.set_defaults(run=run)


def run(args):
    from bpstudio.core.io.model_files import export_format, load_model

    export_format(args.out, args.format)   # a bad OUT is refused before the model is read
    save(load_model(args.model), args.out, args.format)
    return 0
