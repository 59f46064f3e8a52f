"""Score forecasts of ICB violence, cross-validated by decade blocks.

Each decade (1918-1929 as one) is held out in turn; the model is fitted on
the other decades and forecasts the held-out one, and so are two references
fitted on the same training crises: the base rate (the training crises'
frequencies of viol 1-4, Jeffreys-smoothed) and a multinomial logistic
regression on the same mapped features (scikit-learn; ``detente[crises]``).

Three more forecasts say where the model's skill comes from: ``cuts_only``
(the observation model with its slope held at 0: the fitted cut-points
alone, the base rate in another form), ``model_raw`` (the runs' own
frequencies, no observation model) and ``trigger_link`` (the same ordered
logit on the crisis's starting rung alone, the one input that sets the
simulation's starting point: what a simulation adds beyond its trigger).
Blocks, not random folds, because crises of one era share a system (the
interwar years, the Cold War) and a random split would let a forecast see its
own era. Intervals resample the decade blocks with replacement (a block
bootstrap, Künsch 1989), so they carry the dependence within an era.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from detente.crises.fit import FitSettings, fit
from detente.crises.mapping import FeatureTable
from detente.crises.observation import OrderedLink, fit_link
from detente.crises.predict import frequencies, predict_latent

__all__ = [
    "CVResult",
    "base_rate",
    "block_bootstrap",
    "cross_validate",
    "decade",
    "log_loss",
    "logistic",
    "reliability",
    "rps",
]

F64 = NDArray[np.float64]
BINS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.6, 1.0)


def rps(p: F64, viol: NDArray[np.int64]) -> F64:
    """Ranked probability score of forecasts (C, 4) for outcomes 1-4 (Epstein 1969).

    The sum over the three thresholds of the squared gap between forecast
    and observed cumulative probability: 0 is perfect, 3 the worst.
    """
    F = np.cumsum(p, axis=1)[:, :3]
    O = (viol[:, None] <= np.arange(1, 4)[None, :]).astype(float)
    return ((F - O) ** 2).sum(axis=1)


def log_loss(p: F64, viol: NDArray[np.int64]) -> F64:
    """Negative log probability of the observed category (natural log)."""
    return -np.log(np.clip(p[np.arange(len(viol)), viol - 1], 1e-12, 1.0))


def decade(year: NDArray[np.int64]) -> NDArray[np.int64]:
    """Decade block of each year; 1918-1919 join the 1920s."""
    return np.maximum(year // 10 * 10, 1920)


def base_rate(train_viol: NDArray[np.int64], n: int) -> F64:
    """The training frequencies of viol 1-4 (Jeffreys-smoothed), for n crises."""
    counts = np.bincount(train_viol, minlength=5)[1:].astype(float)
    return np.tile((counts + 0.5) / (counts.sum() + 2.0), (n, 1))


def logistic(train: FeatureTable, test: FeatureTable) -> F64:
    """Multinomial logistic regression on the mapped features (scikit-learn, L2, C = 1)."""
    try:
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler
    except ImportError as e:
        raise ImportError(
            "the logistic reference needs scikit-learn: pip install 'detente[crises]'"
        ) from e
    model = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=5000))
    model.fit(train.design(), train.viol)
    p = np.zeros((len(test), 4))
    p[:, model.classes_ - 1] = model.predict_proba(test.design())
    return p


def block_bootstrap(
    values: F64, blocks: NDArray[np.int64], draws: int = 4000, seed: int = 0
) -> tuple[float, float]:
    """95% interval of the mean of ``values`` resampling whole blocks (Künsch 1989)."""
    ids = np.unique(blocks)
    sums = np.array([values[blocks == b].sum() for b in ids])
    counts = np.array([(blocks == b).sum() for b in ids])
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, len(ids), size=(draws, len(ids)))
    means = sums[pick].sum(axis=1) / counts[pick].sum(axis=1)
    lo, hi = np.quantile(means, [0.025, 0.975])
    return float(lo), float(hi)


def reliability(p: F64, viol: NDArray[np.int64]) -> list[dict]:
    """Per category and forecast bin: mean forecast, observed frequency, crises."""
    rows = []
    for k in range(4):
        f, o = p[:, k], (viol == k + 1).astype(float)
        bins = np.clip(np.digitize(f, BINS[1:-1]), 0, len(BINS) - 2)
        for b in range(len(BINS) - 1):
            m = bins == b
            if m.any():
                rows.append(
                    {
                        "viol": k + 1,
                        "bin": f"{BINS[b]:.1f}-{BINS[b + 1]:.1f}",
                        "forecast": float(f[m].mean()),
                        "observed": float(o[m].mean()),
                        "crises": int(m.sum()),
                    }
                )
    return rows


@dataclass(frozen=True)
class CVResult:
    """Held-out forecasts (C, 4) of each forecaster, the outcomes and the blocks."""

    crisno: NDArray[np.int64]
    viol: NDArray[np.int64]
    blocks: NDArray[np.int64]
    forecasts: dict[str, F64]

    def summary(self, seed: int = 0) -> dict:
        """Mean RPS and log loss of each forecaster, with block-bootstrap intervals,
        and the model's differences from each reference."""
        out: dict = {
            "crises": len(self.viol),
            "blocks": [int(b) for b in np.unique(self.blocks)],
        }
        scores = {
            k: {"rps": rps(p, self.viol), "log_loss": log_loss(p, self.viol)}
            for k, p in self.forecasts.items()
        }
        for k, s in scores.items():
            out[k] = {
                m: {"mean": float(v.mean()), "ci95": block_bootstrap(v, self.blocks, seed=seed)}
                for m, v in s.items()
            }
        for ref in (k for k in ("base_rate", "logistic", "trigger_link") if k in scores):
            for m in ("rps", "log_loss"):
                d = scores["model"][m] - scores[ref][m]
                out[f"model_minus_{ref}"] = out.get(f"model_minus_{ref}", {})
                out[f"model_minus_{ref}"][m] = {
                    "mean": float(d.mean()),
                    "ci95": block_bootstrap(d, self.blocks, seed=seed),
                }
        return out


def cross_validate(
    table: FeatureTable,
    settings: FitSettings,
    draws: int = 50,
    reps: int = 8,
    with_logistic: bool = True,
    on_fold=None,
) -> CVResult:
    """Hold out each decade in turn; fit on the rest; forecast the held-out crises."""
    blocks = decade(table.year)
    names = ["model", "base_rate", "cuts_only", "model_raw", "trigger_link"]
    names += ["logistic"] if with_logistic else []
    fc = {k: np.zeros((len(table), 4)) for k in names}
    for b in np.unique(blocks):
        test_i = np.flatnonzero(blocks == b)
        train_i = np.flatnonzero(blocks != b)
        train, test = table.take(train_i), table.take(test_i)
        post = fit(train, replace(settings, seed=settings.seed + int(b)))
        z, counts, _ = predict_latent(test, post, draws, reps, settings.seed, settings.workers)
        link = post.link()
        assert link is not None  # fit always attaches one
        fc["model"][test_i] = link.probabilities(z)
        fc["cuts_only"][test_i] = OrderedLink.from_dict(
            post.meta["observation"]["cuts_only"]
        ).probabilities(z)
        fc["model_raw"][test_i] = frequencies(counts)
        rung = fit_link(train.rung_c.astype(float), train.viol)
        fc["trigger_link"][test_i] = rung.probabilities(test.rung_c.astype(float))
        fc["base_rate"][test_i] = base_rate(train.viol, len(test_i))
        if with_logistic:
            fc["logistic"][test_i] = logistic(train, test)
        if on_fold:
            on_fold(int(b), post)
    return CVResult(table.crisno, table.viol, blocks, fc)
