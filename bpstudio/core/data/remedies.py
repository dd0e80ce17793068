"""What a person can do about a data error, said the way their surface says it.

Core raises ``DataError(message, remedy=Remedy("drop_missing"))``; the message says what is wrong and
where, the remedy what to change. A script reads ``str(error)`` (Python's phrasing: ``drop_missing=True``),
the command line prints ``error.told_to("cli")`` (``--drop-missing``) and the app shows
``error.told_to("app")`` (tick *Drop rows with missing values*).
"""

from dataclasses import dataclass

SURFACES = ("python", "cli", "app")

# remedy kind → surface → what to do; {column} is the column the remedy is about
PHRASES = {
    "drop_missing": {
        "python": "pass drop_missing=True to drop rows with missing values",
        "cli": "add --drop-missing to drop rows with missing values",
        "app": "remove those samples from the file (an .npz opens without an import dialog to drop them in)",
    },
    "ignore_column": {
        "python": "or leave the column out with ignore=[{column!r}]",
        "cli": "or leave the column out with --ignore {column!r}",
        "app": "or untick {column!r} under Inputs in the import dialog",
    },
    "category_column": {
        "python": "fix the cell, or read the column as categories with kinds={{{column!r}: 'category'}}",
        "cli": "fix the cell, or read the column as categories with --category {column!r}",
        "app": "fix the cell in the file, or set the Encoding of {column!r} to category (or left out) in the "
               "import dialog",
    },
    "classification_task": {
        "python": "use task='classification' or another target column",
        "cli": "use --task classification or another --target column",
        "app": "choose Task: Classification or another Target column in the import dialog",
    },
}


@dataclass(frozen=True)
class Remedy:
    kind: str             # a key of PHRASES
    column: str = ""      # the column it concerns, when it names one

    def told_to(self, surface):
        if surface not in SURFACES:
            raise ValueError(f"surface must be one of {', '.join(SURFACES)}, got {surface!r}")
        return PHRASES[self.kind][surface].format(column=self.column)
