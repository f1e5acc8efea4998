"""The allocator setting every job makes (thermolearn.allocator): freed memory is reused, not
faulted in again, and training gives bit-identical weights with it and without."""

from __future__ import annotations

import dataclasses
import resource

import numpy as np
import pytest
import torch

from test_siamese import AMP_CASES, SETTINGS, one_thread  # noqa: F401
from thermolearn.allocator import _mallopt, retain_freed_memory
from thermolearn.paper_a.siamese.train import train
from thermolearn.testsystems.images import arrow_states

pytestmark = pytest.mark.skipif(_mallopt() is None, reason="the C library is not glibc")

PAGE = resource.getpagesize()


@pytest.fixture(autouse=True)
def glibc_defaults_after():
    yield
    retain_freed_memory(False)


def faults_of_reallocating(nbytes: int) -> int:
    """Minor page faults of allocating, filling and freeing ``nbytes`` a second time."""
    np.ones(nbytes, np.uint8)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    np.ones(nbytes, np.uint8)
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before


def test_freed_memory_is_reused_without_page_faults():
    nbytes = 64 << 20  # a 256 px activation is of this order
    assert retain_freed_memory() is True
    kept = faults_of_reallocating(nbytes)
    assert kept < 0.01 * nbytes / PAGE, kept  # the second block lies in pages already mapped
    assert retain_freed_memory(False) is True
    # with glibc's defaults the block is mmap'd afresh: faulted in again (unless huge pages
    # make the faults few, so only "not fewer than kept" is certain)
    assert faults_of_reallocating(nbytes) >= kept


@pytest.mark.parametrize("amp", AMP_CASES, ids=lambda a: "bf16" if a else "fp32")
def test_training_gives_the_same_weights_with_the_allocator_setting(amp):  # on one_thread
    tr, va = arrow_states(4, 1), arrow_states(2, 2)
    settings = dataclasses.replace(SETTINGS, amp=amp, max_epochs=2)
    retain_freed_memory(False)
    ref = train(settings, 5, tr, va, 32, 5, show_progress=False)
    retain_freed_memory()
    got = train(settings, 5, tr, va, 32, 5, show_progress=False)
    assert got.history == [{**h, "seconds": g["seconds"]} for h, g in
                           zip(ref.history, got.history)]
    for k, v in ref.model.state_dict().items():
        assert torch.equal(v, got.model.state_dict()[k]), k
