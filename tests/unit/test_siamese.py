"""The siamese network of Paper A: shapes, input scaling, pairs, augmentation group, training,
checkpoint resume, model loading. Synthetic data only (fast, no workflow)."""

from __future__ import annotations

import dataclasses
import itertools
import json

import numpy as np
import pandas as pd
import pytest
import torch

from thermolearn.paper_a.siamese.data import (N_GROUP, _augment_numpy, _augment_torch,
                                              augment, gather_pairs,
                                              pair_metrics, sample_pairs, transform)
from thermolearn.paper_a.siamese.infer import load_model, score_images
from thermolearn.paper_a.siamese.model import (SiameseNet, bf16_native, flatten_size,
                                               resolve_device, to_input)
from thermolearn.paper_a.siamese.train import (TrainSettings, epoch_seed, model_seed,
                                              run_training_job, train)
from thermolearn.testsystems.images import arrow_states


@pytest.fixture(autouse=True)
def one_thread():
    """Bit-reproducible and fast on a shared 2-core machine."""
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)


# ---------------------------------------------------------------- network


@pytest.mark.parametrize("size", [32, 64, 96, 256])
def test_flatten_size_and_output_shapes(size):
    # five 2x2 stride-2 convolutions: size -> size / 32, 128 channels (Table I)
    assert flatten_size(size) == 128 * (size // 32) ** 2
    net = SiameseNet(size, 5).eval()
    dense = [m for m in net.modules() if isinstance(m, torch.nn.Linear)]
    assert [(m.in_features, m.out_features) for m in dense] == [
        (flatten_size(size), 128), (128, 64), (64, 1)]
    convs = [m for m in net.modules() if isinstance(m, torch.nn.Conv2d)]
    assert [m.out_channels for m in convs] == [16, 32, 64, 64, 128]
    assert all(m.kernel_size == (2, 2) and m.stride == (2, 2) for m in convs)
    x0, x1 = torch.rand(3, 5, size, size), torch.rand(3, 5, size, size)
    s0, s1 = net.subnet(x0), net.subnet(x1)
    assert s0.shape == (3,)
    # the siamese logit is the difference of the shared subnetwork's outputs (antisymmetric)
    torch.testing.assert_close(net(x0, x1), s1 - s0)
    torch.testing.assert_close(net(x1, x0), -(s1 - s0))


def test_too_small_or_wrong_input_is_rejected():
    with pytest.raises(ValueError, match="render.size"):
        SiameseNet(16, 5)
    with pytest.raises(ValueError, match=r"\(B, 5, 32, 32\)"):
        SiameseNet(32, 5).subnet(torch.zeros(2, 4, 32, 32))


def test_to_input_scales_uint8_to_unit_interval():
    img = np.array([0, 51, 255], np.uint8)
    np.testing.assert_allclose(to_input(img).numpy(), [0.0, 0.2, 1.0])
    with pytest.raises(TypeError):
        to_input(np.zeros(3, np.float32))


def test_cuda_request_without_gpu_names_key(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_device("auto").type == "cpu"
    with pytest.raises(RuntimeError, match="paper_a.train.device"):
        resolve_device("cuda")


# ---------------------------------------------------------------- augmentation


def _video(seed=0, f=5, s=8):
    return torch.from_numpy(np.random.default_rng(seed).integers(0, 256, (f, s, s), np.uint8))


def _element_of(y, x):
    return [g for g in range(N_GROUP) if torch.equal(transform(x, g), y)]


def test_augmentation_is_the_group_d4_times_time_reversal():
    x = _video()
    images = [transform(x, g) for g in range(N_GROUP)]
    # 16 distinct images of a generic video: the action is faithful
    assert len({im.numpy().tobytes() for im in images}) == N_GROUP
    assert torch.equal(transform(x, 0), x)
    rot, flip, rev = 1, 4, 8
    r = x
    for k in range(4):
        assert torch.equal(r, transform(x, k))  # rot^k
        r = transform(r, rot)
    assert torch.equal(r, x)  # four quarter turns = identity
    assert torch.equal(transform(transform(x, flip), flip), x)
    assert torch.equal(transform(transform(x, rev), rev), x)  # time reversal is an involution
    # closure: every composition is again an element; every element has an inverse
    for g, h in itertools.product(range(N_GROUP), repeat=2):
        assert len(_element_of(transform(transform(x, g), h), x)) == 1
    for g in range(N_GROUP):
        assert any(torch.equal(transform(transform(x, g), h), x) for h in range(N_GROUP))
    # flip in y = rot^2 o flip in x; time reversal reverses the frame axis only
    assert torch.equal(transform(x, 6), x.flip(-2))
    assert torch.equal(transform(x, rev), x.flip(0))


def test_augment_applies_the_same_element_to_both_states():
    b = 40
    img = torch.stack([_video(i) for i in range(2 * b)])  # states 0..b-1 and b..2b-1
    i0, i1 = torch.arange(b), torch.arange(b, 2 * b)
    g = torch.arange(b) % N_GROUP
    x = gather_pairs(img, i0, i1, g)
    assert x.shape == (2 * b, 5, 8, 8)
    for i in range(b):
        assert torch.equal(x[i], transform(img[i], int(g[i])))  # X0 of pair i
        assert torch.equal(x[b + i], transform(img[b + i], int(g[i])))  # X1: the same element
    same = gather_pairs(img, i0, i0, g)
    assert torch.equal(same[:b], same[b:])
    # pixels are only moved: the total intensity of each state is conserved
    assert torch.equal(augment(img, torch.arange(2 * b) % N_GROUP).sum(dim=(1, 2, 3)),
                       img.sum(dim=(1, 2, 3)))
    assert torch.equal(gather_pairs(img, i0, i1), torch.cat([img[:b], img[b:]]))
    # the GPU path (batched torch ops) and the CPU path (numpy views) agree
    g2 = torch.arange(2 * b) % N_GROUP
    assert torch.equal(_augment_torch(img, g2), torch.from_numpy(_augment_numpy(img.numpy(),
                                                                               g2.numpy())))


# ---------------------------------------------------------------- pairs


def test_pairs_are_balanced_within_a_process_and_uniform():
    n_p = np.array([5, 2, 1, 7])
    off = np.concatenate([[0], np.cumsum(n_p)])
    proc = np.repeat(np.arange(4), n_p)
    gen = torch.Generator().manual_seed(3)
    i0, i1, y = sample_pairs(n_p, off, 4001, gen)
    i0, i1, y = i0.numpy(), i1.numpy(), y.numpy()
    assert len(y) == 3 * 4001  # the one-state process is skipped
    assert y.sum() == len(y) // 2  # exactly balanced labels
    assert np.all(proc[i0] == proc[i1]) and np.all(i0 != i1)
    assert np.all((i1 > i0) == (y == 1))  # y = 1 iff X1 is the later state
    # every unordered pair of a process is equally likely (7 states: 21 pairs)
    m = proc[i0] == 3
    pairs = np.minimum(i0[m], i1[m]) * 100 + np.maximum(i0[m], i1[m])
    _, counts = np.unique(pairs, return_counts=True)
    assert len(counts) == 21
    expected = m.sum() / 21
    chi2 = ((counts - expected) ** 2 / expected).sum()
    assert chi2 < 50  # 20 dof: p ~ 2e-4


def test_near_pairs_follow_the_gap_distribution_of_their_share():
    """A share of each process's pairs is uniform over its pairs at most k apart, the rest
    uniform over all its pairs: the histogram of gaps is the mixture of the two exact laws."""
    from thermolearn.paper_a.siamese.data import near_pair_counts

    n_p = np.array([12, 2, 30])
    off = np.concatenate([[0], np.cumsum(n_p)])
    proc = np.repeat(np.arange(3), n_p)
    pos = np.arange(off[-1]) - off[proc]  # index of each state in its process
    per, share, k = 4000, 0.25, 3
    i0, i1, y = (t.numpy() for t in sample_pairs(n_p, off, per, torch.Generator().manual_seed(5),
                                                  near_share=share, near_gap=k))
    assert len(y) == 3 * per and y.sum() == len(y) // 2
    assert np.all(proc[i0] == proc[i1]) and np.all(i0 != i1)
    assert np.all((i1 > i0) == (y == 1))
    gap = np.abs(pos[i1] - pos[i0])
    # the first 1000 slots of each process are near pairs: gap <= min(k, n - 1)
    slot = np.tile(np.arange(per), 3)
    assert np.all(gap[slot < share * per] <= k)
    assert np.all(gap[proc[i0] == 1] == 1)  # two states: their only pair
    for p_i, n in ((0, 12), (2, 30)):
        m = proc[i0] == p_i
        counts = np.bincount(gap[m], minlength=n)[1:]
        d = np.arange(1, n)
        uniform = (n - d) / (n * (n - 1) / 2)
        near = np.zeros(n - 1)
        near[:k] = near_pair_counts(n, k) / near_pair_counts(n, k).sum()
        expected = m.sum() * (share * near + (1 - share) * uniform)
        chi2 = ((counts - expected) ** 2 / expected).sum()
        assert chi2 < 2 * (n - 2) + 30  # n - 2 dof
        alone = m.sum() * uniform
        assert ((counts - alone) ** 2 / alone).sum() > 3 * (2 * (n - 2) + 30)  # it would fail
        # within the near slots, every pair at most k apart is equally likely
        mn = m & (slot < share * per)
        lo = np.minimum(pos[i0[mn]], pos[i1[mn]])
        keys = lo * 100 + gap[mn]
        _, c = np.unique(keys, return_counts=True)
        assert len(c) == near_pair_counts(n, k).sum()
    # share 0 is the uniform sampler, draw for draw
    a = sample_pairs(n_p, off, 50, torch.Generator().manual_seed(9))
    b = sample_pairs(n_p, off, 50, torch.Generator().manual_seed(9), near_share=0.0, near_gap=5)
    assert all(torch.equal(u, v) for u, v in zip(a, b))
    with pytest.raises(ValueError, match="near_share"):
        sample_pairs(n_p, off, 5, torch.Generator(), near_share=1.5)


def test_near_pair_counts_are_the_pairs_at_each_gap():
    from thermolearn.paper_a.siamese.data import near_pair_counts

    assert near_pair_counts(5, 2).tolist() == [4, 3]
    assert near_pair_counts(3, 10).tolist() == [2, 1]  # gaps beyond n - 1 do not exist
    # all gaps: every one of the n (n - 1) / 2 pairs
    assert near_pair_counts(7, 6).sum() == 21


def test_pair_metrics_equal_explicit_cross_entropy_over_all_ordered_pairs():
    rng = np.random.default_rng(1)
    n_p = [4, 6]
    off = np.concatenate([[0], np.cumsum(n_p)])
    s = rng.normal(size=off[-1])
    logits, labels = [], []
    for p in range(2):
        for a in range(off[p], off[p + 1]):
            for b in range(off[p], off[p + 1]):
                if a != b:
                    logits.append(s[b] - s[a])  # X0 = a, X1 = b
                    labels.append(float(b > a))
    ref = torch.nn.functional.binary_cross_entropy_with_logits(
        torch.tensor(logits, dtype=torch.float64), torch.tensor(labels, dtype=torch.float64))
    acc = np.mean((np.array(logits) > 0) == (np.array(labels) == 1))
    got = pair_metrics(s, off)
    assert got["n_pairs"] == 6 + 15
    assert got["loss"] == pytest.approx(float(ref), rel=1e-12)
    assert got["accuracy"] == pytest.approx(acc)


# ---------------------------------------------------------------- training


SETTINGS = TrainSettings(device="cpu", max_epochs=3, pairs_per_process=32, batch_size=16,
                         lr=1e-3, lr_decay=0.9, patience=5, augment=True, amp=False,
                         eval_batch_size=64)


def test_channels_last_gather_equals_select_then_augment():
    states = arrow_states(3, 5)
    gen = torch.Generator().manual_seed(3)
    i0, i1, _ = sample_pairs(states.n_states_p, states.offsets, 8, gen, "cpu")
    g = torch.randint(0, N_GROUP, (len(i0),), generator=gen)
    got = gather_pairs(states.img_sfhw, i0, i1, g)
    ref = augment(states.img_sfhw.index_select(0, torch.cat([i0, i1])), torch.cat([g, g]))
    assert got.is_contiguous(memory_format=torch.channels_last)
    assert torch.equal(got, ref)
    # and each state is its group element applied to the stored state
    for b in (0, len(i0) + 1):
        src = (i0 if b < len(i0) else i1)[b % len(i0)]
        assert torch.equal(got[b], transform(states.img_sfhw[src], int(g[b % len(i0)])))


def test_bf16_input_is_what_autocast_makes_of_the_float32_input():
    img = torch.randint(0, 256, (4, 5, 32, 32), dtype=torch.uint8)
    ref = (img.float() / 255.0).to(torch.bfloat16)
    assert torch.equal(to_input(img, torch.bfloat16), ref)


def test_training_learns_the_arrow_of_time():
    tr, va = arrow_states(6, 1), arrow_states(3, 2)
    res = train(SETTINGS, 7, tr, va, 32, 5, show_progress=False)
    assert res.epochs_run == 3
    assert res.history[-1]["val_accuracy"] > 0.95
    assert res.history[-1]["val_loss"] < res.history[0]["train_loss"]


class Interrupt(Exception):
    pass


AMP_CASES = [False] + ([True] if bf16_native(torch.device("cpu")) else [])


@pytest.mark.parametrize("amp", AMP_CASES, ids=lambda a: "bf16" if a else "fp32")
def test_resume_after_interruption_gives_the_same_weights(tmp_path, amp):
    tr, va = arrow_states(4, 1), arrow_states(2, 2)
    settings = dataclasses.replace(SETTINGS, amp=amp)
    ref = train(settings, 11, tr, va, 32, 5, show_progress=False)

    ckpt = tmp_path / "checkpoint.pt"

    def stop_after_first(epoch, rec):
        if epoch == 1:
            raise Interrupt

    with pytest.raises(Interrupt):
        train(settings, 11, tr, va, 32, 5, checkpoint=ckpt, on_epoch_end=stop_after_first,
              show_progress=False)
    assert ckpt.exists()
    res = train(settings, 11, tr, va, 32, 5, checkpoint=ckpt, show_progress=False)
    assert res.resumed_from == 1
    assert res.history == [{**h, "seconds": r["seconds"]} for h, r in
                           zip(ref.history, res.history)]
    for k, v in ref.model.state_dict().items():
        assert torch.equal(v, res.model.state_dict()[k]), k
    # a different seed is another run: its checkpoint is not resumed
    other = train(settings, 12, tr, va, 32, 5, checkpoint=ckpt, show_progress=False)
    assert other.resumed_from == 0


def test_saved_model_loads_weights_only_and_scores_like_the_subnet(tmp_path):
    torch.manual_seed(0)
    net = SiameseNet(32, 5).eval()
    path = tmp_path / "siamese.pt"
    torch.save(net.state_dict(), path)
    loaded = load_model(path, 32, 5)
    img = arrow_states(1, 3).img_sfhw.numpy()
    got = score_images(loaded, img, batch_size=3)
    with torch.no_grad():
        ref = net.subnet(to_input(img)).numpy()
    assert got.shape == (len(img),)
    np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-6)
    # a network trained under bfloat16 autocast scores in float32: the same numbers as
    # the float32 subnet on NCHW float input (channels-last is a layout, not a rounding)
    with torch.no_grad():
        nchw = net.subnet(torch.from_numpy(img).float().contiguous() / 255.0).numpy()
    np.testing.assert_allclose(got, nchw, rtol=1e-5, atol=1e-6)
    with pytest.raises(Exception, match="siamese.pt"):
        load_model(path, 64, 5)  # another image size: the file is named


def test_training_subset_is_stratified_by_cell_and_seeded():
    from thermolearn.paper_a.siamese.train import subset_processes

    # 4 cells (2 N x 2 v_push) of 3 processes each, ids in cell order as the design makes them
    rows = [dict(process=f"p{3 * c + i:03d}", N=n, v_push=v, v_pull=0.5)
            for c, (n, v) in enumerate(itertools.product([100, 200], [0.1, 0.5]))
            for i in range(3)]
    cells = pd.DataFrame(rows).set_index("process")
    cell_of = {p: (r.N, r.v_push) for p, r in cells.iterrows()}
    assert subset_processes(cells, None, 1) == sorted(cells.index)
    assert subset_processes(cells, 99, 1) == sorted(cells.index)
    for k in (4, 5, 8, 9):
        for seed in range(6):
            got = subset_processes(cells, k, seed)
            assert len(got) == k == len(set(got)) and got == sorted(got)
            per_cell = pd.Series([cell_of[p] for p in got]).value_counts()
            assert len(per_cell) == 4  # every cell is trained on
            assert per_cell.max() - per_cell.min() <= 1
            per_n = pd.Series([cell_of[p][0] for p in got]).value_counts()
            assert per_n.max() - per_n.min() <= 1
            assert subset_processes(cells, k, seed) == got  # deterministic in the seed
    # the first of each N in id order (the old rule) skipped the v_push = 0.5 cells at k = 4;
    # the seed picks which processes of a cell
    draws = {tuple(subset_processes(cells, 4, seed)) for seed in range(6)}
    assert len(draws) > 1
    # a cell with fewer processes than its share gives the rest to the others
    small = cells.drop(["p000", "p001"])
    got = subset_processes(small, 9, 3)
    assert "p002" in got and len(got) == 9


def test_the_networks_config_hash_covers_its_data(tmp_path):
    """Two designs trained with the same settings are two networks: the hash in metrics.json
    (the one the checkpoint is keyed on) tells them apart, and the same data give the same hash."""
    data = arrow_states(6, 3)
    paths = {}
    for p, proc in enumerate(data.processes):
        img = data.img_sfhw[data.offsets[p]:data.offsets[p + 1]].numpy()
        paths[proc] = tmp_path / f"{proc}.npy"
        np.save(paths[proc], img)

    design = tmp_path / "processes.csv"
    pd.DataFrame({"process": data.processes, "N": 100, "v_push": 0.5,
                  "v_pull": 0.1}).to_csv(design, index=False)

    def run(tag, splits):
        rows = [dict(process=proc, state=s, split=splits[p], N=100)
                for p, proc in enumerate(data.processes)
                for s in range(int(data.n_states_p[p]))]
        csv = tmp_path / f"states_{tag}.csv"
        pd.DataFrame(rows).to_csv(csv, index=False)
        cfg = {**dataclasses.asdict(SETTINGS), "max_epochs": 1, "train_processes": None}
        run_training_job(cfg, 7, 32, 5, csv, paths, tmp_path / f"{tag}.pt",
                         tmp_path / f"{tag}.json", tmp_path / f"{tag}.ckpt", design)
        metrics = json.loads((tmp_path / f"{tag}.json").read_text())
        n_train = splits.count("train")
        assert metrics["cell_counts"]["train"] == [
            {"N": 100, "v_push": 0.5, "v_pull": 0.1, "n": n_train}]
        return metrics["meta"]["config_hash"]

    one = ["train", "train", "train", "val", "test", "test"]
    other = ["test", "train", "train", "val", "train", "test"]
    first = run("a", one)
    assert run("b", one) == first
    assert run("c", other) != first


def test_settings_of_a_run_recorded_before_near_pairs_draw_uniform_pairs():
    full = dataclasses.asdict(SETTINGS)
    old = {k: v for k, v in full.items() if k not in ("near_share", "near_gap")}
    got = TrainSettings.from_config(old)
    assert got.near_share == 0.0 and got == dataclasses.replace(SETTINGS, near_share=0.0)
    assert TrainSettings.from_config({**full, "near_share": 0.3}).near_share == 0.3
    with pytest.raises(KeyError):
        TrainSettings.from_config({k: v for k, v in full.items() if k != "lr"})


def test_replica_zero_keeps_the_seeds_of_runs_before_it_and_others_differ():
    # the formulas of every run recorded before paper_a.train.replica existed
    def old(words):
        ss = np.random.SeedSequence(words)
        return int(ss.generate_state(1, np.uint64)[0] >> np.uint64(1))
    stream = 0x5A3E5E
    assert model_seed(2025, 0) == old([2025, stream, 0xFFFF])
    assert [epoch_seed(2025, e, 0) for e in range(3)] == [old([2025, stream, e]) for e in range(3)]
    seeds = {(r, e): epoch_seed(2025, e, r) for r in range(3) for e in range(3)}
    assert len(set(seeds.values())) == 9
    assert len({model_seed(2025, r) for r in range(3)}) == 3
    with pytest.raises(ValueError, match="replica"):
        model_seed(2025, -1)


def test_a_replica_is_another_training_of_the_same_data():
    tr, va = arrow_states(4, 1), arrow_states(2, 2)
    ref = train(SETTINGS, 7, tr, va, 32, 5, show_progress=False)
    same = train(dataclasses.replace(SETTINGS, replica=0), 7, tr, va, 32, 5, show_progress=False)
    rep = train(dataclasses.replace(SETTINGS, replica=1), 7, tr, va, 32, 5, show_progress=False)
    w = {k: v for k, v in ref.model.state_dict().items() if v.is_floating_point()}
    assert all(torch.equal(v, same.model.state_dict()[k]) for k, v in w.items())
    assert not all(torch.equal(v, rep.model.state_dict()[k]) for k, v in w.items())
    assert TrainSettings.from_config(
        {k: v for k, v in dataclasses.asdict(SETTINGS).items() if k != "replica"}).replica == 0
