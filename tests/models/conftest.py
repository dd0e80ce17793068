import pytest

from .builders import make_model


@pytest.fixture(params=["multiclass", "binary", "regression"])
def model(request):
    return make_model(request.param)
