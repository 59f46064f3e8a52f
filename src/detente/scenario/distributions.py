"""Uncertain quantities: a number, or a distribution it is drawn from per run.

A scenario writes a quantity as a bare number (fixed) or as a mapping with a
``dist`` key. Any form may carry ``source``: the citation, or the words
"assumption: ..." with the reason for the value. Draws use inverse transform
sampling (``ppf`` of a counter-based uniform), so a draw is a pure function of
(seed, run, parameter path) and monotone in the uniform.
"""

from __future__ import annotations

import functools
import math
from abc import abstractmethod
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

import numpy as np
from numpy.typing import NDArray
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationInfo,
    model_validator,
)

__all__ = [
    "DIST_TAGS",
    "Beta",
    "Dist",
    "Distribution",
    "Fixed",
    "Posterior",
    "Quantity",
    "Triangular",
    "TruncNormal",
    "Uniform",
]



def _stats() -> Any:
    """``scipy.stats``, imported when a distribution first needs it: it takes
    about half a second, which commands that only read scenarios
    (``detente scenarios``, ``--help``, the web app's forms) need not pay."""
    from scipy import stats

    return stats

class Dist(BaseModel):
    """The base of every distribution: what a scenario's number is once validated."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    source: str | None = None

    @abstractmethod
    def support(self) -> tuple[float, float]:
        """Smallest and largest value a draw can take."""

    @abstractmethod
    def mean(self) -> float:
        """The distribution's mean."""

    @abstractmethod
    def ppf(self, u: NDArray[np.float64]) -> NDArray[np.float64]:
        """Quantile function: maps uniforms in (0, 1) to draws."""

    def stream(self, path: str) -> str:
        """The random-stream purpose of this quantity's per-run draw at ``path``."""
        return "param:" + path

    @property
    def is_fixed(self) -> bool:
        return self.dist == "fixed"  # type: ignore[attr-defined]


MAX_MAGNITUDE = 1e12  # no quantity in a crisis model needs more; beyond it sums overflow


def _finite(*values: float) -> None:
    for v in values:
        if not math.isfinite(v):
            raise ValueError(f"expected a finite number, got {v}")
        if abs(v) > MAX_MAGNITUDE:
            raise ValueError(f"expected a number of magnitude at most {MAX_MAGNITUDE:g}, got {v:g}")


class Fixed(Dist):
    """A known value (what a bare number in a scenario file becomes)."""

    dist: Literal["fixed"] = "fixed"
    value: float

    @model_validator(mode="after")
    def _check(self) -> Fixed:
        _finite(self.value)
        return self

    def support(self) -> tuple[float, float]:
        return (self.value, self.value)

    def mean(self) -> float:
        return self.value

    def ppf(self, u: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.full(u.shape, self.value)


class Uniform(Dist):
    """Uniform on [low, high]."""

    dist: Literal["uniform"]
    low: float
    high: float

    @model_validator(mode="after")
    def _check(self) -> Uniform:
        _finite(self.low, self.high)
        if self.high < self.low:
            raise ValueError(f"expected low <= high, got low={self.low}, high={self.high}")
        return self

    def support(self) -> tuple[float, float]:
        return (self.low, self.high)

    def mean(self) -> float:
        return 0.5 * (self.low + self.high)

    def ppf(self, u: NDArray[np.float64]) -> NDArray[np.float64]:
        return self.low + u * (self.high - self.low)


class TruncNormal(Dist):
    """Normal(mean, sd) truncated to [low, high]."""

    dist: Literal["truncnormal"]
    mean_: float = Field(alias="mean")
    sd: float = Field(gt=0)
    low: float = -math.inf
    high: float = math.inf

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _check(self) -> TruncNormal:
        _finite(self.mean_, self.sd)
        if not self.low < self.high:
            raise ValueError(f"expected low < high, got low={self.low}, high={self.high}")
        return self

    def _frozen(self) -> Any:
        a = (self.low - self.mean_) / self.sd
        b = (self.high - self.mean_) / self.sd
        return _stats().truncnorm(a, b, loc=self.mean_, scale=self.sd)

    def support(self) -> tuple[float, float]:
        return (self.low, self.high)

    def mean(self) -> float:
        return float(self._frozen().mean())

    def ppf(self, u: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.asarray(self._frozen().ppf(u), dtype=np.float64)


class Beta(Dist):
    """Beta(a, b) scaled to [low, high] (default [0, 1])."""

    dist: Literal["beta"]
    a: float = Field(gt=0)
    b: float = Field(gt=0)
    low: float = 0.0
    high: float = 1.0

    @model_validator(mode="after")
    def _check(self) -> Beta:
        _finite(self.a, self.b, self.low, self.high)
        if not self.low < self.high:
            raise ValueError(f"expected low < high, got low={self.low}, high={self.high}")
        return self

    def support(self) -> tuple[float, float]:
        return (self.low, self.high)

    def mean(self) -> float:
        return self.low + (self.high - self.low) * self.a / (self.a + self.b)

    def ppf(self, u: NDArray[np.float64]) -> NDArray[np.float64]:
        return self.low + (self.high - self.low) * _stats().beta.ppf(u, self.a, self.b)


class Triangular(Dist):
    """Triangular on [low, high] with its peak at mode."""

    dist: Literal["triangular"]
    low: float
    mode: float
    high: float

    @model_validator(mode="after")
    def _check(self) -> Triangular:
        _finite(self.low, self.mode, self.high)
        if not self.low <= self.mode <= self.high or self.low == self.high:
            raise ValueError(
                f"expected low <= mode <= high with low < high, got "
                f"low={self.low}, mode={self.mode}, high={self.high}"
            )
        return self

    def support(self) -> tuple[float, float]:
        return (self.low, self.high)

    def mean(self) -> float:
        return (self.low + self.mode + self.high) / 3.0

    def ppf(self, u: NDArray[np.float64]) -> NDArray[np.float64]:
        lo, c, hi = self.low, self.mode, self.high
        fc = (c - lo) / (hi - lo)
        left = lo + np.sqrt(u * (hi - lo) * (c - lo))
        right = hi - np.sqrt((1.0 - u) * (hi - lo) * (hi - c))
        return np.where(u < fc, left, right)


class Posterior(Dist):
    """Draws from a calibrated parameter file (``detente calibrate``'s ``calibrated.yaml``).

    Every parameter that names the same file draws the same row for a run,
    so the posterior's correlations are kept. The file's path is relative to
    the scenario file (or the built-in scenarios' folder).
    """

    dist: Literal["posterior"]
    file: str = Field(min_length=1)
    parameter: str = Field(min_length=1)
    _samples: NDArray[np.float64] = PrivateAttr(default_factory=lambda: np.zeros(0))

    _key: str = PrivateAttr(default="")

    @model_validator(mode="after")
    def _load(self, info: ValidationInfo) -> Posterior:
        base = (info.context or {}).get("base")
        builtin = (Path(__file__).parent / "builtin").resolve()
        if base is None:
            # Text from no file (an upload to the web app, a re-read dump) may
            # name only the posterior files shipped with detente.
            path = (builtin / self.file).resolve()
            if not path.is_relative_to(builtin):
                raise ValueError(
                    "expected a posterior file inside detente's built-in folder "
                    "(a scenario given as text may not read other files)"
                )
        else:
            path = (Path(base) / self.file).resolve()
        try:
            stat = path.stat()
        except OSError as e:
            raise ValueError(
                f"expected a readable calibrated parameter file at {path} ({e.strerror})"
            ) from None
        # Keyed by size and modification time too: a file rewritten by a new
        # calibration in the same process is read again.
        key, table = _posterior_file(str(path), stat.st_size, stat.st_mtime_ns)
        samples = table.get(self.parameter)
        if samples is None:
            raise ValueError(f"expected {self.parameter!r} among the samples of {self.file}")
        # Keep a path that reads back from a dump of the scenario: relative to
        # the built-in folder for detente's own files (the same on any machine),
        # absolute otherwise.
        shipped = path.is_relative_to(builtin)
        object.__setattr__(self, "file", str(path.relative_to(builtin) if shipped else path))
        self._samples = samples
        self._key = key
        return self

    def stream(self, path: str) -> str:
        """One stream for every parameter drawn from the same file contents, so a
        run draws one row (a content hash: the same draws on any machine)."""
        return f"posterior:{self._key}"

    def support(self) -> tuple[float, float]:
        return (float(self._samples.min()), float(self._samples.max()))

    def mean(self) -> float:
        return float(self._samples.mean())

    def ppf(self, u: NDArray[np.float64]) -> NDArray[np.float64]:
        n = len(self._samples)
        return self._samples[np.minimum((u * n).astype(np.int64), n - 1)]


POSTERIOR_MAX_BYTES = 10 * 1024 * 1024


@functools.lru_cache(maxsize=32)
def _posterior_file(
    path: str, size: int, mtime_ns: int
) -> tuple[str, dict[str, NDArray[np.float64]]]:
    import hashlib

    from detente.io import InputError, read_bytes
    from detente.scenario.reading import parse_yaml_text

    # The project's one guarded reader: a regular file under the size limit
    # (a FIFO, /dev/zero or a directory is refused before a byte is read),
    # parsed by the strict safe loader that refuses alias bombs.
    try:
        raw = read_bytes(path, "calibrated parameter", POSTERIOR_MAX_BYTES)
        data = parse_yaml_text(raw.decode("utf-8"), path)
    except InputError as e:
        raise ValueError(
            f"expected a readable calibrated parameter file at {path}: {e.expected}"
        ) from None
    except UnicodeDecodeError as e:
        raise ValueError(f"expected UTF-8 text in {path} (byte offset {e.start})") from None
    samples = data.get("samples") if isinstance(data, dict) else None
    if not isinstance(samples, dict) or not samples:
        raise ValueError(f"expected a 'samples' mapping in {path}")
    out = {}
    for k, v in samples.items():
        try:
            arr = np.asarray(v, dtype=np.float64)
        except (TypeError, ValueError, OverflowError):
            arr = np.full(1, np.nan)  # refused just below, with the parameter named
        if (
            arr.ndim != 1
            or not len(arr)
            or not np.isfinite(arr).all()
            or np.abs(arr).max() > MAX_MAGNITUDE
        ):
            raise ValueError(
                f"expected a list of finite numbers of magnitude at most {MAX_MAGNITUDE:g} "
                f"for {k!r} in {path}"
            )
        out[str(k)] = arr
    lengths = {len(v) for v in out.values()}
    if len(lengths) != 1:
        raise ValueError(f"expected as many samples of every parameter in {path}")
    return hashlib.sha256(raw).hexdigest()[:16], out


Distribution = Annotated[
    Fixed | Uniform | TruncNormal | Beta | Triangular | Posterior, Field(discriminator="dist")
]


def _coerce(data: Any) -> Any:
    """Accept a bare number as a fixed quantity; a mapping without ``dist`` but
    with ``value`` is fixed too."""
    if isinstance(data, Dist):
        return data
    if isinstance(data, bool):
        raise ValueError("expected a number or a distribution mapping, got a boolean")
    if isinstance(data, int | float):
        return {"dist": "fixed", "value": data}
    if isinstance(data, dict):
        if "dist" not in data:
            if "value" in data:
                return {"dist": "fixed", **data}
            raise ValueError(
                "expected a number, or a mapping with 'dist' "
                "(fixed, uniform, truncnormal, beta, triangular)"
            )
        return data
    raise ValueError(f"expected a number or a distribution mapping, got {type(data).__name__}")


DIST_TAGS: tuple[str, ...] = tuple(
    get_args(cls.model_fields["dist"].annotation)[0]
    for cls in (Fixed, Uniform, TruncNormal, Beta, Triangular, Posterior)
)
"""The ``dist:`` forms a scenario may use, read off the classes (one source)."""

Quantity = Annotated[Distribution, BeforeValidator(_coerce)]
"""A scenario number: a bare number or a distribution mapping."""
