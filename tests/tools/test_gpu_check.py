"""The GPU check (thermolearn.gpu_check): the small-size run passes every check, and every check
can fail.

The end-to-end run takes ~30 s on a 2-core CPU (small sizes: 32 px, a few pairs; on a machine
with CUDA the same run uses the GPU). The other tests feed the check's judges doctored results.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from pathlib import Path

import torch

import thermolearn.gpu_check as gc
from conftest import REPO

CHECKS = {"device_auto", "siamese_train", "siamese_bf16_channels_last", "deepsets_train",
          "siamese_deterministic", "deepsets_deterministic", "siamese_resume", "deepsets_resume"}


def test_small_run_passes_every_check():
    proc = subprocess.run([sys.executable, "-m", "thermolearn.gpu_check", "--small"],
                          cwd=REPO, capture_output=True, text=True, timeout=300,
                          env=gc.worker_env())
    out = proc.stdout
    lines = re.findall(r"^CHECK (\w+): (PASS|FAIL) (.*)$", out, flags=re.M)
    assert {name for name, _, _ in lines} == CHECKS, out + proc.stderr
    assert len(lines) == len(CHECKS), out
    failed = [f"{n}: {d}" for n, status, d in lines if status != "PASS"]
    assert not failed, "\n".join(failed) + "\n" + proc.stderr[-2000:]
    assert proc.returncode == 0, out + proc.stderr
    assert re.search(r"^siamese: \d+ pairs/s, peak memory \d+ MiB", out, flags=re.M), out
    assert re.search(r"^deepsets h=64: \d+ pairs/s", out, flags=re.M), out
    assert "real SIGKILL" in out


def test_compare_weights_reports_the_largest_difference():
    a = {"w": torch.zeros(3), "b": torch.ones(2)}
    assert gc.compare_weights(a, {k: v.clone() for k, v in a.items()})[0]
    b = {"w": torch.tensor([0.0, 0.25, -1e-7]), "b": torch.ones(2)}
    ok, details = gc.compare_weights(a, b)
    assert not ok and "1/2 tensors differ" in details and "2.500e-01" in details
    assert not gc.compare_weights(a, {"w": a["w"]})[0]
    assert not gc.compare_weights(a, {"w": a["w"].double(), "b": a["b"]})[0]


def result(weights, history, resumed_from=0, rc=0, warnings=()):
    return gc.WorkerResult(rc, Path("."), "boom\n", weights,
                           {"history": history, "resumed_from": resumed_from, "device": "cpu",
                            "warnings": list(warnings)})


HIST = [{"epoch": 1, "train_loss": 0.69, "seconds": 1.0}, {"epoch": 2, "train_loss": 0.6,
                                                          "seconds": 1.0}]


def test_determinism_judge_fails_with_the_max_abs_difference():
    w = {"w": torch.zeros(4)}
    same = gc.judge_determinism("siamese", result(w, HIST), result(dict(w), HIST))
    assert same.ok and same.line().startswith("CHECK siamese_deterministic: PASS")
    other = {"w": torch.tensor([0.0, 3e-3, 0.0, 0.0])}
    warned = result(other, HIST, warnings=["index_add_ is not deterministic"])
    bad = gc.judge_determinism("siamese", result(w, HIST), warned)
    assert not bad.ok and bad.line().startswith("CHECK siamese_deterministic: FAIL")
    assert "max abs difference 3.000e-03" in bad.details and "index_add_" in bad.details
    later = [dict(HIST[0]), {**HIST[1], "train_loss": 0.61}]
    assert not gc.judge_determinism("deepsets", result(w, HIST), result(w, later)).ok
    # wall times may differ
    assert gc.judge_determinism("deepsets", result(w, HIST),
                                result(w, [{**h, "seconds": 9.0} for h in HIST])).ok
    assert not gc.judge_determinism("deepsets", result(w, HIST),
                                    result(None, None, rc=1)).ok


def test_resume_judge_fails_unless_killed_resumed_and_equal():
    w = {"w": torch.zeros(4)}
    ref = result(w, HIST)
    killed = gc.WorkerResult(-signal.SIGKILL, Path("."), "")
    good = gc.judge_resume("siamese", ref, killed, result(w, HIST, resumed_from=1), 1, "c", 1)
    assert good.ok, good.details
    cases = {
        "not killed": (gc.WorkerResult(0, Path("."), ""), result(w, HIST, 1), 1),
        "no checkpoint": (killed, result(w, HIST, 1), None),
        "checkpoint of another epoch": (killed, result(w, HIST, 1), 2),
        "fresh start, not a resume": (killed, result(w, HIST, 0), 1),
        "other weights": (killed, result({"w": torch.ones(4)}, HIST, 1), 1),
        "resumed run crashed": (killed, result(None, None, rc=1), 1),
        "killed by the time budget": (gc.WorkerResult(-signal.SIGKILL, Path("."), "",
                                                      out_of_time=True), result(w, HIST, 1), 1),
    }
    for why, (k, r, epoch) in cases.items():
        c = gc.judge_resume("siamese", ref, k, r, 1, "c", epoch)
        assert not c.ok, why
        assert c.line().startswith("CHECK siamese_resume: FAIL"), why


def test_device_auto_check(monkeypatch, paper_config):
    assert gc.check_device_auto(paper_config).ok
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda *a: "Fake GPU")
    c = gc.check_device_auto(paper_config)
    assert c.ok and "auto resolves to cuda" in c.details
    # a resolver that ignores the GPU fails the check
    monkeypatch.setattr(gc.devices, "resolve_device", lambda name, key: torch.device("cpu"))
    c = gc.check_device_auto(paper_config)
    assert not c.ok and "expected cuda" in c.details


def test_precision_judge():
    n = len(gc.siamese_model.CONV_CHANNELS)
    probe = gc.ConvProbe()
    probe.remove()
    probe.conv, probe.dense = [(torch.bfloat16, True)] * n, [torch.float32] * 3
    cuda, cpu = torch.device("cuda"), torch.device("cpu")
    assert gc.judge_precision(probe, True, cuda).ok
    probe.conv = [(torch.bfloat16, True)] * (n - 1) + [(torch.bfloat16, False)]
    assert not gc.judge_precision(probe, True, cuda).ok           # an NCHW output
    probe.conv = [(torch.float32, True)] * n
    assert not gc.judge_precision(probe, True, cuda).ok           # no autocast
    assert not gc.judge_precision(probe, False, cuda).ok          # amp off on CUDA
    assert gc.judge_precision(probe, False, cpu).ok               # a CPU without native bf16
    probe.conv, probe.dense = [(torch.bfloat16, True)] * n, [torch.bfloat16] * 3
    assert not gc.judge_precision(probe, True, cuda).ok           # bf16 dense head
    probe.conv = []
    assert not gc.judge_precision(probe, True, cpu).ok            # the hook saw nothing


def test_probe_sees_the_project_training_step():
    """The hook records the five convolutions and the head of one real training forward."""
    net = gc.siamese_model.SiameseNet(32, 5).train()
    probe = gc.ConvProbe()
    try:
        x = gc.siamese_model.to_input(torch.zeros(2, 5, 32, 32, dtype=torch.uint8))
        net.subnet(x)
        net.subnet(x)  # removed after the first pass
    finally:
        probe.remove()
    assert len(probe.conv) == 5 and len(probe.dense) == 3
    assert gc.judge_precision(probe, False, torch.device("cpu")).ok


def test_a_failed_or_crashed_check_gives_a_nonzero_exit(monkeypatch, capsys):
    monkeypatch.setattr(torch, "set_num_threads", lambda n: None)  # main sets 1 on a CPU
    def crash(*a):
        raise RuntimeError("no kernel image")

    monkeypatch.setattr(gc, "siamese_throughput", crash)
    monkeypatch.setattr(gc, "deepsets_throughput",
                        lambda *a: gc.Check("deepsets_train", True, "stub"))
    monkeypatch.setattr(gc, "reproducibility_checks",
                        lambda *a: [gc.Check("siamese_resume", False, "stub")])
    assert gc.main(["--small", "--device", "cpu"]) == 1
    out = capsys.readouterr().out
    assert "CHECK siamese_train: FAIL raised RuntimeError: no kernel image" in out
    assert "CHECK siamese_resume: FAIL stub" in out
    assert "2 failed" in out
    monkeypatch.setattr(gc, "siamese_throughput", lambda *a: [])
    monkeypatch.setattr(gc, "reproducibility_checks", lambda *a: [])
    assert gc.main(["--small", "--device", "cpu"]) == 0


def test_a_deepsets_epoch_of_the_check_is_one_pass_over_its_pairs(paper_config):
    """config.yaml's epoch is the paper's 487 Adam steps; the check's is one pass over its own
    pairs (small: 4 runs x 32 frame pairs in batches of 64 = 2 steps), which its rate counts."""
    assert paper_config["paper_b"]["train"]["steps_per_epoch"] == 487
    small = gc.Sizes.for_mode(paper_config, small=True)
    settings = gc.deepsets_settings(paper_config, small, 3)
    assert (settings.epochs, settings.batch_size) == (3, 64)
    assert settings.steps(small.ds_thr_runs * (small.ds_thr_frames - 1)) == 128 // 64
