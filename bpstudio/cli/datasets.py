"""``bpstudio datasets``: list the built-in datasets."""


def add_parser(commands):
    datasets = commands.add_parser("datasets", help="list the built-in datasets", description="List the built-in datasets.")
    datasets.set_defaults(run=run)


def run(args):
    from bpstudio.core.data.loading import list_datasets

    infos = list_datasets()
    width = max(len(info.name) for info in infos)
    for info in infos:
        shape = f"{info.n_features} → {info.n_outputs}"
        print(f"{info.name:<{width}}  {info.kind:<9}  {info.task:<14}  {shape:<8}  {info.description}")
    return 0
