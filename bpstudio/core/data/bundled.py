"""Small real datasets shipped as CSV files in resources/datasets/ (sources and licences in its README).

They load through the same CSV reader as a user's file, so they double as worked examples.
"""

from dataclasses import dataclass

from bpstudio.paths import resource_path
from .csv_reader import read_csv


@dataclass(frozen=True)
class Bundled:
    file: str
    task: str
    description: str
    n_features: int
    n_outputs: int


BUNDLED = {
    "iris": Bundled("iris.csv", "classification",
                    "Fisher's iris flowers: 150 samples, 4 measurements (cm), 3 species", 4, 3),
    "wine": Bundled("wine.csv", "classification",
                    "UCI wine recognition: 178 wines, 13 chemical measurements, 3 cultivars", 13, 3),
    "breast_cancer": Bundled("breast_cancer.csv", "classification",
                             "Wisconsin diagnostic breast cancer: 569 samples, 30 cell-nucleus features, "
                             "benign or malignant", 30, 2),
    "digits": Bundled("digits.csv", "classification",
                      "UCI handwritten digits: 1797 images of 8×8 pixels (0–16), 10 classes", 64, 10),
    "diabetes": Bundled("diabetes.csv", "regression",
                        "Diabetes progression (Efron et al.): 442 patients, 10 baseline variables, "
                        "regression", 10, 1),
}


def load(name):
    """Dataset ``name`` from BUNDLED; its target is the last column of the CSV."""
    info = BUNDLED[name]
    ds = read_csv(resource_path("datasets", info.file), task=info.task)
    ds.source, ds.description = name, info.description
    return ds
