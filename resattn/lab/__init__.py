"""The ablation lab (NOTES §8): same backbone, same data, same optimiser — only the pattern changes.

- `variants`: baseline / P1 / P2 / P3 / P4 (and user-added ones) derived from a design.
- `data`: scikit-learn's 1,797 handwritten 8×8 digits, split once with a fixed seed.
- `probe`: a small classifier built from each variant's block, trained deterministically while
  recording loss, gradient norm, held-out accuracy and gate statistics (NOTES §6).
- `ablate`: static comparison (params, MACs, elementwise ops, latency) + the probe, per variant.
- `reading`: the notes' reading of each chart, and the signs a run's curves show (NOTES §6).
- `distributed`: the same training loop under ``torchrun`` with DistributedDataParallel.

Nothing here imports Streamlit; the studio's Compare tab is a thin view over `ablate`.
"""
