"""Inits that an architecture defines for itself reach models.init.initialize through a registry (no import of
the architectures by models.init)."""
import pytest
import torch

import models  # noqa: F401 -- importing the package registers the architectures' inits
from models.init import MODEL_INITS, initialize, register_model_init


def test_bvlc_is_registered_by_the_imagenet_module():
    from models.imagenet import bvlc_init
    assert MODEL_INITS["bvlc"] is bvlc_init


def test_initialize_dispatches_to_a_registered_init(monkeypatch):
    seen = []
    monkeypatch.setitem(MODEL_INITS, "test-ones", lambda m, g: seen.append(g) or torch.nn.init.ones_(m.weight))
    net = torch.nn.Linear(3, 2)
    rec = initialize(net, "test-ones")
    assert rec.scheme == "test-ones" and seen == [None] and bool((net.weight == 1).all())


def test_a_registered_init_cannot_shadow_a_scheme():
    with pytest.raises(ValueError):
        register_model_init("msra", lambda m, g: m)
