"""Where the trials run does not change their numbers: ``--jobs 2`` ≡ ``--jobs 1``, Ray Tune ≡ in
process; the device option (CUDA tested on CPU by mocking its availability)."""

from __future__ import annotations

import json

import pytest
import torch

from resattn.lab import probe
from resattn.lab.ablate import ablate
from resattn.lab.probe import ProbeConfig, resolve_device, train_probe
from resattn.lab.trials import Trial, check_executor, run_trials
from schemas import DesignError, SpecError, parse_spec

SPEC = {
    "name": "tiny",
    "input": {"channels": 8, "height": 8, "width": 8},
    "block": {"type": "basic", "out_channels": 8},
    "slots": {"branch": {"type": "eca", "kernel_size": 3}, "skip": {"type": "se"}},
}
TINY = ProbeConfig(epochs=1, max_steps=4, width=4)
CHOICES = ["baseline", "P1"]


def _numbers(result) -> list:
    return [
        (r.variant.name, seed, rec.loss, rec.grad_norm, rec.val_accuracy, rec.gate_stats)
        for r in result.results
        for seed, rec in r.runs
    ]


@pytest.fixture(scope="module")
def in_process():
    return ablate(SPEC, CHOICES, config=TINY, seeds=2, jobs=1, latency=False)


def test_the_in_process_run_trains_every_variant_on_every_seed(in_process):
    assert [r.variant.name for r in in_process.results] == ["baseline", "ECA-P1", "your design"]
    assert in_process.seeds == (0, 1)
    assert all([s for s, _ in r.runs] == [0, 1] for r in in_process.results)
    assert in_process.results[2].summary["vs_baseline"]["verdict"]


@pytest.mark.slow
def test_two_processes_give_exactly_the_numbers_of_one(in_process):
    pooled = ablate(SPEC, CHOICES, config=TINY, seeds=2, jobs=2, latency=False)
    assert _numbers(pooled) == _numbers(in_process)
    assert [r.summary for r in pooled.results] == [r.summary for r in in_process.results]


@pytest.mark.slow
def test_ray_tune_trials_give_exactly_the_numbers_of_the_in_process_run(in_process):
    ray = pytest.importorskip("ray")
    from resattn.lab.trials import ray_runtime_env

    ray.init(num_cpus=2, runtime_env=ray_runtime_env(), include_dashboard=False)
    try:
        on_ray = ablate(SPEC, CHOICES, config=TINY, seeds=2, executor="ray", latency=False)
    finally:
        ray.shutdown()
    assert _numbers(on_ray) == _numbers(in_process)
    assert [r.summary for r in on_ray.results] == [r.summary for r in in_process.results]


def test_a_pool_starts_the_costliest_trials_first_and_keeps_each_record_in_its_place():
    class Pool:  # records the submission order; "trains" a trial by naming it
        def run(self, texts, order, done, should_stop):
            self.order = list(order)
            out = [None] * len(texts)
            for position in self.order:
                out[position] = f"record {json.loads(texts[position])['index']}"
                done(position, out[position])
            return out

    trials = [Trial(i, "{}", {}) for i in range(5)]
    pool, finished = Pool(), []
    out = run_trials(
        trials,
        jobs=2,
        pool=pool,
        costs=[1.0, 3.0, 2.0, 3.0, 0.5],
        on_done=lambda position, record: finished.append(position),
    )
    assert pool.order == [1, 3, 2, 0, 4]  # longest first; equal costs keep their order
    assert finished == pool.order
    assert out == [f"record {i}" for i in range(5)]


def test_worker_processes_start_only_for_an_ablation_that_is_not_refused(monkeypatch):
    from resattn.lab import ablate as ablate_module

    class Started(Exception):
        pass

    def pool(workers, data):
        raise Started(workers, data)

    monkeypatch.setattr(ablate_module, "TrialPool", pool)
    over = ProbeConfig(as_designed=True, data="mnist5k")  # over the training budget
    with pytest.raises(DesignError, match="RA103"):
        ablate("preset:resnet50", ["baseline"], config=over, jobs=2, latency=False)
    with pytest.raises(Started) as started:  # accepted: the pool starts before the static figures
        ablate(SPEC, CHOICES, config=TINY, seeds=2, jobs=2, latency=False)
    assert started.value.args == (2, ("digits", None))


def test_unknown_executors_and_job_counts_are_refused():
    with pytest.raises(SpecError, match="unknown executor 'dask'"):
        check_executor("dask", 1)
    with pytest.raises(SpecError, match="jobs: must be at least 1"):
        check_executor("local", 0)


def test_auto_picks_cuda_when_a_gpu_is_present_and_cuda_is_refused_without_one(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_device("auto") == torch.device("cpu")
    with pytest.raises(SpecError, match="CUDA was asked for but torch sees no GPU"):
        resolve_device("cuda")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert resolve_device("auto") == torch.device("cuda")
    assert resolve_device("cuda") == torch.device("cuda")
    with pytest.raises(ValueError, match="device must be one of auto, cpu, cuda"):
        ProbeConfig(device="tpu")


def test_the_cuda_path_moves_the_model_and_the_data_to_the_device(monkeypatch):
    """CUDA availability mocked: the probe asks `resolve_device` and trains where it says. Here
    "cuda" resolves to the CPU device, so the path runs without a GPU; the record (kept on the
    CPU) equals a plain CPU run's."""
    asked = []

    def fake(name):
        asked.append(name)
        return torch.device("cpu")

    monkeypatch.setattr(probe, "resolve_device", fake)
    moved = []
    original = torch.Tensor.to

    def spy(self, *args, **kwargs):
        moved.append(args[0] if args else kwargs.get("device"))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(torch.Tensor, "to", spy)
    run = train_probe(parse_spec(SPEC), ProbeConfig(epochs=1, max_steps=2, width=4, device="cuda"))
    assert asked == ["cuda"] and torch.device("cpu") in moved
    monkeypatch.undo()
    plain = train_probe(parse_spec(SPEC), ProbeConfig(epochs=1, max_steps=2, width=4))
    assert run.record.loss == plain.record.loss
