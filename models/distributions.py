r"""Input distributions for Monte Carlo simulation, drawn by inverse CDF, with Iman–Conover rank correlation.

Each distribution is a frozen pydantic model (:class:`Normal`, :class:`Lognormal`, :class:`Uniform`,
:class:`Triangular`, :class:`Pert`, :class:`Discrete`, :class:`Empirical`, :class:`Constant`) whose
``quantile(u)`` is its inverse CDF, vectorised over ``u``. :func:`draw_inputs` draws every input of a simulation:

1. For each input, ``n`` uniforms from ``numpy.random.default_rng`` seeded with the seed and the input's name
   (:func:`uniforms`): Latin hypercube (one uniform in each of ``n`` equal strata, in random order; the default)
   or plain. An input's draws depend only on the seed, ``n`` and its own name and distribution.
2. Each input's values are its distribution's quantiles of those uniforms.
3. With rank correlations stated, :func:`iman_conover` reorders each input's values (never changes them) so that
   their Spearman rank correlations match the target.

All ``n`` values are drawn at once, before any evaluation, so the numbers do not depend on how the iterations are
later split into chunks or spread over a cluster. Memory: the draws are ``8 n k`` bytes for ``k`` inputs; with
correlations, Iman–Conover holds a second ``n x k`` float64 matrix of scores and ``O(n)`` work arrays, so the peak
is about ``16 n k + 40 n`` bytes (10,000,000 iterations of 10 inputs: about 2 GB).

No scipy: the normal quantile is Wichura's AS241 (accurate to about 1e-16), the PERT (beta) quantile inverts a
tabulated beta CDF (see :class:`Pert`).
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Annotated, Any, Literal, Mapping, Sequence, Union

import numpy as np
from pydantic import AliasChoices, Field, TypeAdapter, ValidationError, model_validator

from ._inputs import InputModel
from ._validate import as_real, check_integer, error_from_validation
from .errors import ErrorKind, HashleaseError

__all__ = ["Normal", "Lognormal", "Uniform", "Triangular", "Pert", "Discrete", "Empirical", "Constant",
           "Distribution", "DISTRIBUTION_KINDS", "RankCorrelation", "SAMPLING_METHODS", "MAX_DRAWS",
           "parse_distribution", "normal_quantile", "uniforms", "rank_correlation_matrix",
           "check_rank_correlation_matrix", "iman_conover", "draw_inputs", "average_ranks", "rank_correlation",
           "summary_statistics", "SUMMARY_PERCENTILES"]

#: Most values drawn in one simulation (iterations x inputs): bounds memory (see the module docstring).
MAX_DRAWS = 200_000_000
#: How the uniforms are drawn: stratified (one in each 1/n of [0, 1], in random order) or plain.
SAMPLING_METHODS = ("latin_hypercube", "random")
#: Percentiles of every output in a simulation summary.
SUMMARY_PERCENTILES = (5, 10, 50, 90, 95)

_SQRT2 = math.sqrt(2.0)
#: Uniforms stay in [2**-54 / n, 1 - 2**-53]: every quantile is finite.
_U_HIGH = 1.0 - 2.0**-53


# --- the normal quantile ---------------------------------------------------------------------------------

_A = (3.387132872796366608, 133.14166789178437745, 1971.5909503065514427, 13731.693765509461125,
      45921.953931549871457, 67265.770927008700853, 33430.575583588128105, 2509.0809287301226727)
_B = (1.0, 42.313330701600911252, 687.1870074920579083, 5394.1960214247511077, 21213.794301586595867,
      39307.89580009271061, 28729.085735721942674, 5226.495278852854561)
_C = (1.42343711074968357734, 4.6303378461565452959, 5.7694972214606914055, 3.64784832476320460504,
      1.27045825245236838258, 0.24178072517745061177, 0.0227238449892691845833, 7.7454501427834140764e-4)
_D = (1.0, 2.05319162663775882187, 1.6763848301838038494, 0.68976733498510000455, 0.14810397642748007459,
      0.0151986665636164571966, 5.475938084995344946e-4, 1.05075007164441684324e-9)
_E = (6.6579046435011037772, 5.4637849111641143699, 1.7848265399172913358, 0.29656057182850489123,
      0.026532189526576123093, 0.0012426609473880784386, 2.71155556874348757815e-5, 2.01033439929228813265e-7)
_F = (1.0, 0.59983220655588793769, 0.13692988092273580531, 0.0148753612908506148525, 7.868691311456132591e-4,
      1.8463183175100546818e-5, 1.4215117583164458887e-7, 2.04426310338993978564e-15)


def _polynomial(coefficients: tuple[float, ...], x: np.ndarray) -> np.ndarray:
    result = np.full_like(x, coefficients[-1])
    for c in coefficients[-2::-1]:
        result = result * x + c
    return result


def normal_quantile(p: Any) -> Any:
    r"""Quantile (inverse CDF) of the standard normal distribution, without scipy.

    Parameters
    ----------
    p : array_like
        Probabilities, in (0, 1). [fraction]

    Returns
    -------
    float or numpy.ndarray
        :math:`z` with :math:`\Phi(z) = p`. [standard deviations]

    Raises
    ------
    HashleaseError
        If an element of ``p`` is not in (0, 1).

    Notes
    -----
    Wichura's algorithm AS241 (PPND16): rational approximations of degree 7 in :math:`q = p - 1/2` for
    :math:`|q| \le 0.425`, else in :math:`r = \sqrt{-\ln \min(p, 1-p)}`, relative accuracy about 1e-16. It is what
    Python's ``statistics.NormalDist.inv_cdf`` uses; numpy has no normal quantile.

    References
    ----------
    .. [1] M. J. Wichura, "Algorithm AS 241: The Percentage Points of the Normal Distribution", Applied
       Statistics 37(3), 477-484 (1988), https://doi.org/10.2307/2347330

    Examples
    --------
    >>> round(normal_quantile(0.975), 12)   # the 97.5% point, 1.959963984540054 (statistics.NormalDist)
    1.95996398454
    >>> normal_quantile([0.5, 0.15865525393145707]).round(12)   # Phi(-1) = 0.158655...
    array([ 0., -1.])
    """
    array = as_real("p", p, "in (0, 1)")
    bad = ~((array > 0) & (array < 1))
    if bad.any():
        index = tuple(int(i) for i in np.argwhere(bad)[0]) if array.ndim else None
        raise HashleaseError("p", float(array[index] if index else array), "in (0, 1)", index=index)
    q = array - 0.5
    out = np.empty_like(array)
    central = np.abs(q) <= 0.425
    if central.any():
        qc = q[central]
        r = 0.180625 - qc * qc
        out[central] = qc * _polynomial(_A, r) / _polynomial(_B, r)
    tail = ~central
    if tail.any():
        qt = q[tail]
        r = np.sqrt(-np.log(np.where(qt < 0, array[tail], 1.0 - array[tail])))
        near = r <= 5.0
        z = np.empty_like(r)
        rn = r[near] - 1.6
        z[near] = _polynomial(_C, rn) / _polynomial(_D, rn)
        rf = r[~near] - 5.0
        z[~near] = _polynomial(_E, rf) / _polynomial(_F, rf)
        out[tail] = np.where(qt < 0, -z, z)
    return float(out) if out.ndim == 0 else out


def _normal_cdf(x: float) -> float:
    """Standard normal CDF of one number (math.erfc: accurate in both tails)."""
    return 0.5 * math.erfc(-x / _SQRT2)


# --- the distributions -----------------------------------------------------------------------------------

class _Distribution(InputModel):
    def quantile(self, u: np.ndarray) -> np.ndarray:  # pragma: no cover - every distribution overrides it
        raise NotImplementedError


class Normal(_Distribution):
    r"""Normal distribution, optionally truncated to [low, high].

    ``mean`` and ``sd`` are those of the untruncated normal, in the input's own unit; ``sd = 0`` is the point
    mass at ``mean``. Truncation keeps the shape between the bounds: the quantile is
    :math:`\mu + \sigma \Phi^{-1}(\Phi(a) + u (\Phi(b) - \Phi(a)))` with :math:`a, b` the standardised bounds;
    where that probability is above 1/2 it is computed as the upper tail,
    :math:`-\Phi^{-1}(1 - \Phi(b) + (1 - u)(\Phi(b) - \Phi(a)))`, so that no digits are lost near 1.

    Examples
    --------
    >>> Normal(mean=100, sd=15).quantile(np.array([0.5, 0.975])).round(4)
    array([100.    , 129.3995])
    >>> float(Normal(mean=0, sd=1, low=0).quantile(np.array([0.5]))[0].round(6))   # median of the half-normal
    0.67449
    """

    distribution: Literal["normal"] = "normal"
    mean: float
    sd: float = Field(ge=0, description="Standard deviation, in the input's unit, >= 0")
    low: float | None = None
    high: float | None = None

    @model_validator(mode="after")
    def _bounds(self) -> "Normal":
        low = -math.inf if self.low is None else self.low
        high = math.inf if self.high is None else self.high
        if high <= low:
            raise HashleaseError("high", self.high, f"> low ({low:g})")
        if self.sd == 0:
            if not low <= self.mean <= high:
                raise HashleaseError("mean", self.mean, f"in [{low:g}, {high:g}] (the truncation) when sd is 0")
        elif self._mass() < 1e-12:
            raise HashleaseError("low", self.low, "bounds holding some probability (at most 7 standard deviations "
                                 "beyond the mean)", detail=f"P(low < x < high) = {self._mass():.3g}")
        return self

    def _standardised(self) -> tuple[float, float]:
        a = -math.inf if self.low is None else (self.low - self.mean) / self.sd
        b = math.inf if self.high is None else (self.high - self.mean) / self.sd
        return a, b

    def _mass(self) -> float:
        a, b = self._standardised()
        # the same probability, computed where it has its digits: in the lower tail, or mirrored from the upper
        return _normal_cdf(-a) - _normal_cdf(-b) if a > 0 else _normal_cdf(b) - _normal_cdf(a)

    def quantile(self, u: np.ndarray) -> np.ndarray:
        u = np.asarray(u, dtype=float)
        if self.sd == 0:
            return np.full(u.shape, self.mean)
        if self.low is None and self.high is None:
            return self.mean + self.sd * normal_quantile(u)
        a, b = self._standardised()
        mass = self._mass()
        below_a, above_b = _normal_cdf(a), _normal_cdf(-b)  # P(z < a), P(z > b)
        tiny = np.nextafter(0.0, 1.0)
        lower = below_a + u * mass  # P(z < x): accurate while it is at most 1/2
        upper = above_b + (1.0 - u) * mass  # P(z > x): accurate elsewhere
        use_lower = lower <= 0.5
        z = np.where(use_lower, normal_quantile(np.clip(np.where(use_lower, lower, 0.5), tiny, _U_HIGH)),
                     -normal_quantile(np.clip(np.where(use_lower, 0.5, upper), tiny, _U_HIGH)))
        low = -np.inf if self.low is None else self.low
        high = np.inf if self.high is None else self.high
        return np.clip(self.mean + self.sd * np.clip(z, a, b), low, high)


class Lognormal(_Distribution):
    r"""Lognormal distribution given by the mean and standard deviation of the value itself (not of its log).

    Conversion to the parameters of :math:`\ln x \sim N(\mu, \sigma^2)`:

    .. math:: \sigma^2 = \ln\left(1 + \frac{s^2}{m^2}\right), \qquad \mu = \ln m - \frac{\sigma^2}{2}

    so that :math:`E[x] = m` and :math:`SD[x] = s`. ``sd = 0`` is the point mass at ``mean``.

    References
    ----------
    .. [1] N. L. Johnson, S. Kotz, N. Balakrishnan, Continuous Univariate Distributions, vol. 1, 2nd ed., Wiley
       (1994), ch. 14, eq. 14.8a-b.

    Examples
    --------
    >>> d = Lognormal(mean=100_000, sd=30_000)
    >>> round(d.sigma, 6), round(d.mu, 6)   # sqrt(ln 1.09), ln(100,000) - ln(1.09) / 2
    (0.29356, 11.469837)
    >>> float(d.quantile(np.array([0.5]))[0].round(2))   # the median is exp(mu) = m / sqrt(1 + s^2/m^2)
    95782.63
    """

    distribution: Literal["lognormal"] = "lognormal"
    mean: float = Field(gt=0, description="Mean of the value, > 0, in the input's unit")
    sd: float = Field(ge=0, description="Standard deviation of the value, >= 0, in the input's unit")

    @property
    def sigma(self) -> float:
        """Standard deviation of the log of the value."""
        return math.sqrt(math.log1p((self.sd / self.mean) ** 2))

    @property
    def mu(self) -> float:
        """Mean of the log of the value."""
        return math.log(self.mean) - 0.5 * self.sigma**2

    def quantile(self, u: np.ndarray) -> np.ndarray:
        u = np.asarray(u, dtype=float)
        if self.sd == 0:
            return np.full(u.shape, self.mean)
        return np.exp(self.mu + self.sigma * normal_quantile(u))


class Uniform(_Distribution):
    r"""Uniform distribution on [low, high]: quantile :math:`a + u (b - a)`; ``low = high`` is a point mass.

    Examples
    --------
    >>> Uniform(low=0.03, high=0.05).quantile(np.array([0.0, 0.5, 1.0]))
    array([0.03, 0.04, 0.05])
    """

    distribution: Literal["uniform"] = "uniform"
    low: float
    high: float

    @model_validator(mode="after")
    def _order(self) -> "Uniform":
        if self.high < self.low:
            raise HashleaseError("high", self.high, f">= low ({self.low:g})")
        return self

    def quantile(self, u: np.ndarray) -> np.ndarray:
        u = np.asarray(u, dtype=float)
        if self.high == self.low:
            return np.full(u.shape, self.low)
        return np.clip(self.low + u * (self.high - self.low), self.low, self.high)


def _check_three_point(model: Any) -> None:
    if not model.low <= model.mode <= model.high:
        raise HashleaseError("mode", model.mode, f"in [low, high] = [{model.low:g}, {model.high:g}]")


class Triangular(_Distribution):
    r"""Triangular distribution with minimum ``low``, most likely ``mode`` and maximum ``high``.

    .. math::
        F^{-1}(u) = \begin{cases} a + \sqrt{u (b - a)(c - a)} & u < F_c = \frac{c - a}{b - a} \\
                    b - \sqrt{(1 - u)(b - a)(b - c)} & \text{otherwise} \end{cases}

    with :math:`a` = low, :math:`c` = mode, :math:`b` = high; mean :math:`(a + b + c)/3`. All three equal is a
    point mass.

    References
    ----------
    .. [1] M. Evans, N. Hastings, B. Peacock, Statistical Distributions, 3rd ed., Wiley (2000), ch. 40.

    Examples
    --------
    >>> Triangular(low=0, mode=0, high=1).quantile(np.array([0.75]))   # 1 - sqrt(0.25)
    array([0.5])
    """

    distribution: Literal["triangular"] = "triangular"
    low: float
    mode: float
    high: float

    @model_validator(mode="after")
    def _order(self) -> "Triangular":
        _check_three_point(self)
        return self

    def quantile(self, u: np.ndarray) -> np.ndarray:
        u = np.asarray(u, dtype=float)
        a, c, b = self.low, self.mode, self.high
        if a == b:
            return np.full(u.shape, a)
        split = (c - a) / (b - a)
        left = a + np.sqrt(u * (b - a) * (c - a))
        right = b - np.sqrt((1.0 - u) * (b - a) * (b - c))
        return np.clip(np.where(u < split, left, right), a, b)


#: Cells of the tabulated beta CDF, and Gauss-Legendre nodes per cell.
_BETA_CELLS = 1 << 15
_BETA_NODES = 8


@lru_cache(maxsize=64)
def _beta_cdf_table(alpha: float, beta: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    r"""The beta(alpha, beta) CDF (alpha, beta >= 1) on a uniform grid of [0, 1]: (x, F(x)) with cells of no
    probability dropped (F strictly increasing, for interpolation), F on the full grid, and log B(alpha, beta).

    Each cell is integrated by Gauss–Legendre; the first one after substituting :math:`x = h s^{1/\alpha}`, which
    removes the :math:`x^{\alpha - 1}` singularity of the integrand's derivatives. F is exact (to rounding) up
    to the median; the cells next to 1 carry the :math:`(1 - x)^{\beta - 1}` singularity, so only the lower
    half is used (the upper half of the quantile comes from the mirrored distribution)."""
    nodes, weights = np.polynomial.legendre.leggauss(_BETA_NODES)
    h = 1.0 / _BETA_CELLS
    left = np.arange(_BETA_CELLS) * h
    log_b = math.lgamma(alpha) + math.lgamma(beta) - math.lgamma(alpha + beta)
    density = _beta_density(left[:, None] + (nodes[None, :] + 1.0) * (h / 2.0), alpha, beta, log_b)
    cells = (density * weights[None, :]).sum(axis=1) * (h / 2.0)
    cells[0] = _beta_first_cell(np.array([h]), alpha, beta, log_b)[0]
    full = np.concatenate([[0.0], np.cumsum(cells)])
    grid = np.linspace(0.0, 1.0, _BETA_CELLS + 1)
    keep = np.concatenate([[True], np.diff(full) > 0])  # drop cells with no probability (far tails): F increasing
    tables = grid[keep], full[keep], full
    for table in tables:
        table.setflags(write=False)
    return (*tables, log_b)


def _beta_density(x: np.ndarray, alpha: float, beta: float, log_b: float) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return np.exp((alpha - 1.0) * np.log(x) + (beta - 1.0) * np.log1p(-x) - log_b)


def _beta_first_cell(x: np.ndarray, alpha: float, beta: float, log_b: float) -> np.ndarray:
    r""":math:`\int_0^x t^{\alpha-1}(1-t)^{\beta-1} dt / B = \frac{x^\alpha}{\alpha B}\int_0^1
    (1 - x s^{1/\alpha})^{\beta-1} ds` (Gauss–Legendre in s), for x within the first cell."""
    nodes, weights = np.polynomial.legendre.leggauss(_BETA_NODES)
    s = (nodes + 1.0) / 2.0
    inner = ((1.0 - x[:, None] * s[None, :] ** (1.0 / alpha)) ** (beta - 1.0) * weights[None, :]).sum(axis=1) / 2.0
    with np.errstate(divide="ignore"):
        return np.exp(alpha * np.log(x) - math.log(alpha) - log_b) * inner


def _beta_lower_quantile(u: np.ndarray, alpha: float, beta: float) -> np.ndarray:
    """Beta quantile for u <= 1/2: interpolated in the tabulated CDF (in the first cell: the leading term
    :math:`(u \alpha B)^{1/\alpha}`), then Newton steps on the CDF integrated exactly from the grid point below,
    kept inside the grid cell, until a step is below 1e-9 (the next would be below 1e-16; at most 4)."""
    grid, cdf, full, log_b = _beta_cdf_table(alpha, beta)
    x = np.interp(u, cdf, grid)
    nodes, weights = np.polynomial.legendre.leggauss(_BETA_NODES)
    h = 1.0 / _BETA_CELLS
    cell = np.minimum(np.floor(x * _BETA_CELLS), _BETA_CELLS - 1)
    first = cell == 0
    if first.any():
        with np.errstate(divide="ignore"):
            x[first] = np.minimum(np.exp((np.log(u[first]) + math.log(alpha) + log_b) / alpha), h)
    left = cell * h
    todo = np.arange(x.size)
    for _ in range(4):
        xs, ls, cs = x[todo], left[todo], cell[todo]
        half = (xs - ls) / 2.0
        below = full[cs.astype(np.int64)]
        for node, weight in zip(nodes, weights):
            below = below + weight * half * _beta_density(ls + (node + 1.0) * half, alpha, beta, log_b)
        at_first = cs == 0
        if at_first.any():
            below[at_first] = _beta_first_cell(xs[at_first], alpha, beta, log_b)
        f = _beta_density(xs, alpha, beta, log_b)
        step = np.where(f > 0, (below - u[todo]) / np.where(f > 0, f, 1.0), 0.0)
        x[todo] = np.clip(xs - step, ls, ls + h)
        todo = todo[np.abs(step) > 1e-9]  # Newton converges quadratically: after a step this small, the next is ~1e-17
        if not todo.size:
            break
    return x


def _beta_quantile(u: np.ndarray, alpha: float, beta: float) -> np.ndarray:
    """Beta(alpha, beta) quantile, alpha and beta >= 1: the upper half as 1 - the mirrored lower quantile."""
    upper = u > 0.5
    x = np.empty_like(u)
    x[~upper] = _beta_lower_quantile(u[~upper], alpha, beta)
    x[upper] = 1.0 - _beta_lower_quantile(1.0 - u[upper], beta, alpha)
    return x


class Pert(_Distribution):
    r"""PERT (Beta-PERT) distribution: a beta distribution on [low, high] with most likely value ``mode``.

    .. math::
        \alpha = 1 + \lambda \frac{c - a}{b - a}, \qquad \beta = 1 + \lambda \frac{b - c}{b - a}, \qquad
        x = a + (b - a) \, B^{-1}_{\alpha, \beta}(u), \qquad E[x] = \frac{a + \lambda c + b}{\lambda + 2}

    with :math:`a` = low, :math:`c` = mode, :math:`b` = high and shape :math:`\lambda` (``shape``, 4 by default,
    which gives the classic PERT mean :math:`(a + 4c + b)/6`; the YAML key ``lambda`` is accepted too). The
    beta quantile is computed without scipy: the beta CDF is integrated on 32,768 equal cells of [0, 1]
    (8-point Gauss–Legendre per cell), inverted by linear interpolation, and refined by one Newton step on the
    CDF integrated exactly from the grid point below; the upper half is the mirrored distribution's lower half.
    The quantile is within about 1e-10 of (b - a) of the exact one for u in [1e-12, 1 - 1e-12] (checked against
    scipy in the tests). All three equal is a point mass.

    References
    ----------
    .. [1] D. G. Malcolm, J. H. Roseboom, C. E. Clark, W. Fazar, "Application of a Technique for Research and
       Development Program Evaluation", Operations Research 7(5), 646-669 (1959),
       https://doi.org/10.1287/opre.7.5.646
    .. [2] D. Vose, Risk Analysis: A Quantitative Guide, 3rd ed., Wiley (2008), section III.7 (PERT and modified
       PERT).

    Examples
    --------
    >>> d = Pert(low=0, mode=1, high=5)
    >>> d.alpha, d.beta, d.mean_value   # mean (0 + 4 x 1 + 5) / 6
    (1.8, 4.2, 1.5)
    >>> float(Pert(low=0, mode=5, high=10).quantile(np.array([0.5]))[0].round(9))   # symmetric: the median is 5
    5.0
    """

    distribution: Literal["pert"] = "pert"
    low: float
    mode: float
    high: float
    shape: float = Field(4.0, gt=0, le=1_000, validation_alias=AliasChoices("shape", "lambda"),
                         description="Shape lambda: weight of the mode (4 is classic PERT)")

    @model_validator(mode="after")
    def _order(self) -> "Pert":
        _check_three_point(self)
        return self

    @property
    def alpha(self) -> float:
        return 1.0 + self.shape * (self.mode - self.low) / (self.high - self.low) if self.high > self.low else 1.0

    @property
    def beta(self) -> float:
        return 1.0 + self.shape * (self.high - self.mode) / (self.high - self.low) if self.high > self.low else 1.0

    @property
    def mean_value(self) -> float:
        """Mean of the distribution, in the input's unit."""
        return (self.low + self.shape * self.mode + self.high) / (self.shape + 2.0)

    def quantile(self, u: np.ndarray) -> np.ndarray:
        u = np.asarray(u, dtype=float)
        if self.high == self.low:
            return np.full(u.shape, self.low)
        return np.clip(self.low + (self.high - self.low) * _beta_quantile(u, self.alpha, self.beta), self.low,
                       self.high)


class Discrete(_Distribution):
    r"""Discrete distribution: ``values`` with ``probabilities`` (each >= 0, summing to 1 within 1e-9).

    The quantile is the smallest value whose cumulative probability reaches :math:`u`,
    :math:`\inf\{x : F(x) \ge u\}` (values sorted, the cumulative probabilities rescaled to end at exactly 1).

    Examples
    --------
    >>> Discrete(values=[6, 0, 3], probabilities=[0.2, 0.5, 0.3]).quantile(np.array([0.1, 0.6, 0.9]))
    array([0., 3., 6.])
    """

    distribution: Literal["discrete"] = "discrete"
    values: tuple[float, ...] = Field(min_length=1, max_length=100_000)
    probabilities: tuple[float, ...] = Field(min_length=1, max_length=100_000)

    @model_validator(mode="after")
    def _probabilities(self) -> "Discrete":
        if len(self.probabilities) != len(self.values):
            raise HashleaseError("probabilities", f"{len(self.probabilities)} probabilities",
                                 f"one per value ({len(self.values)})", kind=ErrorKind.VALUE)
        probabilities = np.asarray(self.probabilities)
        negative = np.flatnonzero(probabilities < 0)
        if negative.size:
            raise HashleaseError("probabilities", float(probabilities[negative[0]]), ">= 0",
                                 index=(int(negative[0]),))
        total = math.fsum(self.probabilities)
        if abs(total - 1.0) > 1e-9:
            raise HashleaseError("probabilities", list(self.probabilities), "probabilities summing to 1 (within "
                                 "1e-9)", detail=f"they sum to {total!r}")
        return self

    def quantile(self, u: np.ndarray) -> np.ndarray:
        u = np.asarray(u, dtype=float)
        values = np.asarray(self.values)
        order = np.argsort(values, kind="stable")
        cumulative = np.cumsum(np.asarray(self.probabilities)[order])
        cumulative /= cumulative[-1]
        index = np.minimum(np.searchsorted(cumulative, u, side="left"), len(values) - 1)
        return values[order][index]


class Empirical(_Distribution):
    r"""Empirical distribution of observed values: the inverse of the empirical CDF, a step function.

    :math:`F^{-1}(u) = x_{(\lceil m u \rceil)}`, the :math:`\lceil m u \rceil`-th smallest of the :math:`m`
    observations. With plain uniforms this is resampling with replacement (every observation equally likely);
    with Latin hypercube uniforms it is stratified resampling. Only observed values are drawn.

    Examples
    --------
    >>> Empirical(observations=[3, 1, 2, 4]).quantile(np.array([0.1, 0.25, 0.26, 0.99]))
    array([1., 1., 2., 4.])
    """

    distribution: Literal["empirical"] = "empirical"
    observations: tuple[float, ...] = Field(min_length=1, max_length=10_000_000)

    def quantile(self, u: np.ndarray) -> np.ndarray:
        u = np.asarray(u, dtype=float)
        ordered = np.sort(np.asarray(self.observations))
        m = ordered.size
        index = np.clip(np.ceil(m * u).astype(np.int64) - 1, 0, m - 1)
        return ordered[index]


class Constant(_Distribution):
    """A point mass: every iteration takes ``value`` (an input held at its base case).

    Examples
    --------
    >>> Constant(value=0.04).quantile(np.array([0.1, 0.9]))
    array([0.04, 0.04])
    """

    distribution: Literal["constant"] = "constant"
    value: float

    def quantile(self, u: np.ndarray) -> np.ndarray:
        return np.full(np.shape(u), self.value)


Distribution = Annotated[Union[Normal, Lognormal, Uniform, Triangular, Pert, Discrete, Empirical, Constant],
                         Field(discriminator="distribution")]
#: The distributions by the name a file gives them.
DISTRIBUTION_KINDS: dict[str, type[_Distribution]] = {
    "normal": Normal, "lognormal": Lognormal, "uniform": Uniform, "triangular": Triangular, "pert": Pert,
    "discrete": Discrete, "empirical": Empirical, "constant": Constant}


def parse_distribution(spec: Mapping[str, Any]) -> _Distribution:
    """A distribution from a mapping naming it (``{"distribution": "normal", "mean": 1, "sd": 0.1}``).

    Raises
    ------
    HashleaseError
        Naming the field: an unknown ``distribution``, a missing or unknown parameter, or a parameter out of range.

    Examples
    --------
    >>> parse_distribution({"distribution": "pert", "low": 1, "mode": 2, "high": 4, "lambda": 4}).mean_value
    2.1666666666666665
    >>> parse_distribution({"distribution": "gamma", "shape": 2})
    Traceback (most recent call last):
    ...
    hashlease.models.errors.HashleaseError: distribution must be one of normal, lognormal, uniform, triangular, pert, discrete, empirical, constant, got 'gamma'
    """
    if not isinstance(spec, Mapping):
        raise HashleaseError("distribution", spec, "a mapping such as {distribution: normal, mean: 1, sd: 0.1}",
                             kind=ErrorKind.VALUE)
    kind = spec.get("distribution")
    if kind not in DISTRIBUTION_KINDS:
        raise HashleaseError("distribution", kind, "one of " + ", ".join(DISTRIBUTION_KINDS), kind=ErrorKind.VALUE)
    return DISTRIBUTION_KINDS[kind](**dict(spec))


# --- uniforms --------------------------------------------------------------------------------------------

def _generator(seed: int, key: str, purpose: int) -> np.random.Generator:
    """A generator for one input and purpose (0: its uniforms, 1: its Iman–Conover scores): the same seed and
    name give the same stream in any process; different names never share one (the name's bytes are the key)."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(purpose, *key.encode("utf-8"))))


def uniforms(n: int, seed: int, key: str = "", *, method: str = "latin_hypercube") -> np.ndarray:
    r"""``n`` uniforms in (0, 1) for the input named ``key``, from ``numpy.random.default_rng``.

    Parameters
    ----------
    n : int
        How many, in [1, 200,000,000]. [count]
    seed : int
        Seed, >= 0: the same seed, ``n``, key and method give the same numbers.
    key : str
        The input's name: each input has its own stream, whatever the other inputs are.
    method : {"latin_hypercube", "random"}
        ``latin_hypercube``: :math:`u_i = (\pi_i + v_i)/n` with :math:`\pi` a random permutation of
        :math:`0..n-1` and :math:`v_i` uniform, one draw in each stratum :math:`[j/n, (j+1)/n)`. ``random``:
        plain uniforms.

    Returns
    -------
    numpy.ndarray
        Shape ``(n,)``, in :math:`[2^{-54}/n, 1 - 2^{-53}]`, so every quantile is finite. [fraction]

    References
    ----------
    .. [1] M. D. McKay, R. J. Beckman, W. J. Conover, "A Comparison of Three Methods for Selecting Values of Input
       Variables in the Analysis of Output from a Computer Code", Technometrics 21(2), 239-245 (1979),
       https://doi.org/10.2307/1268522

    Examples
    --------
    >>> u = uniforms(4, seed=1, key="market.btc_price_usd")
    >>> sorted(np.floor(u * 4).astype(int).tolist())   # one draw in each quarter
    [0, 1, 2, 3]
    >>> bool((u == uniforms(4, seed=1, key="market.btc_price_usd")).all())
    True
    """
    n = int(check_integer("n", n, ge=1))
    if n > MAX_DRAWS:
        raise HashleaseError("n", n, f"<= {MAX_DRAWS:,}")
    seed = int(check_integer("seed", seed, ge=0))
    if method not in SAMPLING_METHODS:
        raise HashleaseError("method", method, "one of " + ", ".join(SAMPLING_METHODS), kind=ErrorKind.VALUE)
    rng = _generator(seed, key, 0)
    v = (rng.integers(0, 1 << 53, size=n, dtype=np.int64) + 0.5) * 2.0**-53  # in (0, 1), never 0 or 1
    if method == "latin_hypercube":
        v += rng.permutation(n)
        v /= n
    return np.minimum(v, _U_HIGH, out=v)


# --- rank correlation ------------------------------------------------------------------------------------

class RankCorrelation(InputModel):
    """A target Spearman rank correlation between two inputs (``between: [a, b]``, ``rank: r``)."""

    between: tuple[str, str]
    rank: float = Field(ge=-1, le=1, description="Spearman rank correlation, in [-1, 1]")


def _first_not_positive_definite(matrix: np.ndarray) -> int | None:
    """Index of the input whose leading block of ``matrix`` is first not positive definite, or None."""
    try:
        np.linalg.cholesky(matrix)
        return None
    except np.linalg.LinAlgError:
        pass
    for j in range(1, matrix.shape[0] + 1):
        try:
            np.linalg.cholesky(matrix[:j, :j])
        except np.linalg.LinAlgError:
            return j - 1
    return matrix.shape[0] - 1  # pragma: no cover - the full matrix failed, so some block does


def _pair(names: Sequence[str], i: int, j: int) -> str:
    return f"{names[i]} ~ {names[j]}"


def check_rank_correlation_matrix(matrix: Any, names: Sequence[str] | None = None) -> np.ndarray:
    r"""Refuse a target rank-correlation matrix that is not symmetric, unit-diagonal, in [-1, 1] and positive
    definite, naming the pair (or input) that breaks it.

    Parameters
    ----------
    matrix : array_like
        Square ``(k, k)`` matrix of Spearman rank correlations. [fraction]
    names : sequence of str, optional
        The inputs' names, for the message (default ``0..k-1``).

    Returns
    -------
    numpy.ndarray
        The matrix as float64.

    Raises
    ------
    HashleaseError
        Naming the pair: asymmetric, outside [-1, 1], or one that cannot hold together with the others (the
        matrix is not positive definite: the pair whose removal restores it, the strongest such pair first).

    Examples
    --------
    With a ~ c at 0.8 and b ~ c at -0.5, a ~ b can be at most 0.8 x (-0.5) + sqrt(0.36 x 0.75) = 0.12; of the
    three pairs it is the one the smallest change makes consistent:

    >>> check_rank_correlation_matrix([[1, 0.9, 0.8], [0.9, 1, -0.5], [0.8, -0.5, 1]], ["a", "b", "c"])
    Traceback (most recent call last):
    ...
    hashlease.models.errors.HashleaseError: rank correlation a ~ b must be in (-0.920, 0.120) given the other correlations (the matrix must be positive definite), got 0.9
    """
    c = as_real("rank correlation matrix", matrix)
    if c.ndim != 2 or c.shape[0] != c.shape[1] or c.shape[0] < 1:
        raise HashleaseError("rank correlation matrix", f"shape {c.shape}", "a square matrix", kind=ErrorKind.VALUE)
    k = c.shape[0]
    names = [str(i) for i in range(k)] if names is None else list(names)
    if len(names) != k:
        raise HashleaseError("names", f"{len(names)} names", f"one per row of the matrix ({k})", kind=ErrorKind.VALUE)
    for i in range(k):
        if c[i, i] != 1.0:
            raise HashleaseError(f"rank correlation of {names[i]} with itself", float(c[i, i]), "1")
    outside = np.argwhere(np.abs(c) > 1)
    if outside.size:
        i, j = (int(x) for x in outside[0])
        raise HashleaseError(f"rank correlation {_pair(names, i, j)}", float(c[i, j]), "in [-1, 1]")
    asymmetric = np.argwhere(np.abs(c - c.T) > 1e-12)
    if asymmetric.size:
        i, j = (int(x) for x in asymmetric[0])
        raise HashleaseError(f"rank correlation {_pair(names, i, j)}", float(c[i, j]),
                             f"equal to {_pair(names, j, i)} ({c[j, i]:g}): the matrix must be symmetric")
    j = _first_not_positive_definite(c)
    if j is not None:
        raise _inconsistent_pair(c[:j + 1, :j + 1], names)
    return c


def _smallest_eigenvalue(block: np.ndarray, i: int, j: int, t: float) -> float:
    trial = block.copy()
    trial[i, j] = trial[j, i] = t
    return float(np.linalg.eigvalsh(trial)[0])


def _feasible_range(block: np.ndarray, i: int, j: int) -> tuple[float, float] | None:
    """Values of ``block[i, j]`` that keep ``block`` positive definite (the others held), or None if none do.

    The smallest eigenvalue is concave in one symmetric pair of entries, so the values form one interval:
    its peak is found by golden-section search, its ends by bisection."""
    f = lambda t: _smallest_eigenvalue(block, i, j, t)  # noqa: E731
    low, high = -1.0, 1.0
    ratio = (math.sqrt(5.0) - 1.0) / 2.0
    for _ in range(60):
        x1, x2 = high - ratio * (high - low), low + ratio * (high - low)
        if f(x1) < f(x2):
            low = x1
        else:
            high = x2
    peak = (low + high) / 2.0
    if f(peak) <= 0:
        return None
    ends = []
    for edge in (-1.0, 1.0):
        if f(edge) > 0:
            ends.append(edge)
            continue
        inside, outside = peak, edge
        for _ in range(60):
            middle = (inside + outside) / 2.0
            inside, outside = (middle, outside) if f(middle) > 0 else (inside, middle)
        ends.append(inside)
    return ends[0], ends[1]


def _inconsistent_pair(block: np.ndarray, names: Sequence[str]) -> HashleaseError:
    """The error naming the stated pair of ``block`` (a matrix that is not positive definite) that the smallest
    change would make consistent with the others, and the values it could take."""
    k = block.shape[0]
    pairs = [(i, j) for j in range(k) for i in range(j) if block[i, j] != 0][:500]
    best = None
    for i, j in pairs:
        span = _feasible_range(block, i, j)
        if span is not None:
            distance = max(span[0] - block[i, j], block[i, j] - span[1], 0.0)
            if best is None or distance < best[0]:
                best = (distance, i, j, span)
    accepted = "consistent with the other correlations (the matrix must be positive definite)"
    if best is not None:
        _, i, j, (low, high) = best
        return HashleaseError(f"rank correlation {_pair(names, i, j)}", float(block[i, j]),
                              f"in ({low:.3f}, {high:.3f}) given the other correlations (the matrix must be "
                              "positive definite)")
    i, j = max(pairs, key=lambda p: abs(block[p]), default=(0, k - 1))
    involved = sorted({names[x] for pair in pairs for x in pair}, key=list(names).index)
    return HashleaseError(f"rank correlation {_pair(names, i, j)}", float(block[i, j]), accepted,
                          detail="no joint distribution has the rank correlations among " + ", ".join(involved))


def rank_correlation_matrix(names: Sequence[str], correlations: Sequence[RankCorrelation | Mapping[str, Any]]
                            ) -> np.ndarray:
    """The ``(k, k)`` target rank-correlation matrix of ``names``: identity, with each stated pair set.

    Raises
    ------
    HashleaseError
        A pair naming an input not in ``names``, an input with itself, a pair stated twice, or a matrix that
        :func:`check_rank_correlation_matrix` refuses.

    Examples
    --------
    >>> rank_correlation_matrix(["a", "b"], [{"between": ["b", "a"], "rank": 0.5}])
    array([[1. , 0.5],
           [0.5, 1. ]])
    """
    index = {name: i for i, name in enumerate(names)}
    matrix = np.eye(len(names))
    seen: dict[frozenset[str], int] = {}
    for number, item in enumerate(correlations):
        where = f"correlations[{number}]"
        try:
            pair = item if isinstance(item, RankCorrelation) else RankCorrelation(**dict(item))
        except HashleaseError as exc:
            raise HashleaseError(f"{where}.{exc.arg}", exc.value, exc.accepted, index=exc.index, detail=exc.detail,
                                 kind=exc.kind) from None
        except TypeError:
            raise HashleaseError(where, item, "a mapping {between: [a, b], rank: r}", kind=ErrorKind.VALUE) from None
        a, b = pair.between
        for name in (a, b):
            if name not in index:
                raise HashleaseError(f"{where}.between", name, "an input with a distribution (one of "
                                     + ", ".join(names[:20]) + (", ..." if len(names) > 20 else "") + ")",
                                     kind=ErrorKind.VALUE)
        if a == b:
            raise HashleaseError(f"{where}.between", [a, b], "two different inputs", kind=ErrorKind.VALUE)
        key = frozenset((a, b))
        if key in seen:
            raise HashleaseError(f"{where}.between", [a, b], f"a pair stated once (also correlations[{seen[key]}])",
                                 kind=ErrorKind.VALUE)
        seen[key] = number
        matrix[index[a], index[b]] = matrix[index[b], index[a]] = pair.rank
    return check_rank_correlation_matrix(matrix, names)


def iman_conover(samples: Any, rank_correlation_target: Any, *, seed: int, names: Sequence[str] | None = None,
                 out: np.ndarray | None = None) -> np.ndarray:
    r"""Reorder each column of ``samples`` so the columns' Spearman rank correlations match the target.

    Parameters
    ----------
    samples : array_like
        ``(n, k)`` draws, one column per input; each column's values are kept, only their order changes.
    rank_correlation_target : array_like
        ``(k, k)`` target Spearman rank correlations (checked by :func:`check_rank_correlation_matrix`).
    seed : int
        Seed, >= 0, of the score permutations (each input's from its name): same seed, same order.
    names : sequence of str, optional
        The inputs' names (default ``0..k-1``): the permutation streams and the messages use them.
    out : numpy.ndarray, optional
        Array to hold the result (may be ``samples`` itself, as a float64 ``(n, k)`` array: reordered in place).

    Returns
    -------
    numpy.ndarray
        ``(n, k)``: the same values per column, reordered.

    Raises
    ------
    HashleaseError
        A target that is not a valid correlation matrix (naming the pair), or fewer iterations than
        ``k + 2``.

    Notes
    -----
    Iman & Conover (1982): a score matrix :math:`R` has in each column a random permutation of the van der
    Waerden scores :math:`a_i = \Phi^{-1}(i/(n+1))`. With the Cholesky factors :math:`C^* = P P^T` of the target
    and :math:`T = Q Q^T` of :math:`R`'s own correlation matrix, :math:`R^* = R (P Q^{-1})^T` has Pearson
    correlation exactly :math:`C^*`; each column of ``samples`` is then sorted into the rank order of the same
    column of :math:`R^*`. Scores with Pearson correlation :math:`r` have rank correlation
    :math:`(6/\pi) \arcsin(r/2)` (normal scores), so the target rank correlation :math:`\rho` is first converted:
    :math:`C^* = 2 \sin(\pi \rho / 6)` (Iman & Conover used :math:`\rho` itself, about 0.018 off at most).

    References
    ----------
    .. [1] R. L. Iman, W. J. Conover, "A distribution-free approach to inducing rank correlation among input
       variables", Communications in Statistics - Simulation and Computation 11(3), 311-334 (1982),
       https://doi.org/10.1080/03610918208812265
    .. [2] K. Pearson, "Mathematical contributions to the theory of evolution XVI", Drapers' Company Research
       Memoirs, Biometric Series IV (1907): the Spearman-Pearson relation of the bivariate normal.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = np.column_stack([rng.uniform(size=20_000), rng.exponential(size=20_000)])
    >>> y = iman_conover(x, [[1, 0.7], [0.7, 1]], seed=3)
    >>> bool((np.sort(y, axis=0) == np.sort(x, axis=0)).all()), round(rank_correlation(y[:, 0], y[:, 1]), 2)
    (True, 0.7)
    """
    x = np.asarray(samples, dtype=np.float64)
    if x.ndim != 2:
        raise HashleaseError("samples", f"shape {x.shape}", "an (n, k) array", kind=ErrorKind.VALUE)
    n, k = x.shape
    names = [str(i) for i in range(k)] if names is None else list(names)
    target = check_rank_correlation_matrix(rank_correlation_target, names)
    if target.shape[0] != k:
        raise HashleaseError("rank_correlation_target", f"shape {target.shape}", f"({k}, {k}), one row per column "
                             "of samples", kind=ErrorKind.VALUE)
    seed = int(check_integer("seed", seed, ge=0))
    if n < k + 2:
        raise HashleaseError("n", n, f">= {k + 2} iterations to induce rank correlations among {k} inputs")
    if out is None:
        out = np.array(x, order="F")
    elif out is not x:
        out[...] = x
    if k == 1:
        return out
    scores_target = 2.0 * np.sin(np.pi * target / 6.0)
    np.fill_diagonal(scores_target, 1.0)
    try:
        check_rank_correlation_matrix(scores_target, names)
    except HashleaseError as exc:
        raise HashleaseError(exc.arg, exc.value, exc.accepted, detail="after conversion to the normal scores' "
                             "correlation 2 sin(pi rho / 6)", kind=exc.kind) from None
    a = normal_quantile(np.arange(1, n + 1) / (n + 1.0))
    a -= a.mean()
    scores = np.empty((n, k), order="F")
    for j in range(k):
        scores[:, j] = a[_generator(seed, names[j], 1).permutation(n)]
    gram = scores.T @ scores
    own = gram / np.sqrt(np.outer(np.diag(gram), np.diag(gram)))
    p = np.linalg.cholesky(scores_target)
    try:
        q = np.linalg.cholesky(own)
    except np.linalg.LinAlgError:  # two columns' permutations (anti-)aligned: only with a handful of iterations
        raise HashleaseError("n", n, f"more iterations to induce rank correlations among {k} inputs",
                             detail="the score permutations came out collinear") from None
    s = np.linalg.solve(q.T, p.T).T  # P Q^-1, lower triangular
    for j in range(k - 1, -1, -1):  # R* = R S^T in place: column j needs columns 0..j, still unchanged
        scores[:, j] = scores[:, :j + 1] @ s[j, :j + 1]
    for j in range(k):
        order = np.argsort(scores[:, j])  # continuous scores: no ties to keep in order
        column = np.sort(out[:, j])
        out[order, j] = column
    return out


def draw_inputs(distributions: Mapping[str, _Distribution], n: int, seed: int, *,
                correlations: Sequence[RankCorrelation | Mapping[str, Any]] = (),
                method: str = "latin_hypercube") -> dict[str, np.ndarray]:
    """Draw ``n`` values of every input: inverse CDF of each input's uniforms, then Iman–Conover if correlated.

    Parameters
    ----------
    distributions : mapping of str to distribution
        Input name -> its distribution (:class:`Normal`, ...).
    n : int
        Iterations, in [1, 200,000,000 / number of inputs]. [count]
    seed : int
        Seed, >= 0. The same seed, ``n``, distributions, correlations and method give the same numbers.
    correlations : sequence of RankCorrelation or mappings
        Target Spearman rank correlations between pairs (others are 0 when any is stated). Without any, the
        inputs are drawn independently and not reordered.
    method : {"latin_hypercube", "random"}
        How the uniforms are drawn (:func:`uniforms`).

    Returns
    -------
    dict of str to numpy.ndarray
        Input name -> ``(n,)`` float64 draws (columns of one ``(n, k)`` Fortran-ordered array).

    Examples
    --------
    >>> draws = draw_inputs({"a": Uniform(low=0, high=1), "b": Normal(mean=5, sd=0)}, 4, seed=7)
    >>> draws["b"].tolist(), sorted(np.floor(draws["a"] * 4).tolist())
    ([5.0, 5.0, 5.0, 5.0], [0.0, 1.0, 2.0, 3.0])
    """
    names = list(distributions)
    if not names:
        raise HashleaseError("distributions", "none", "at least one input with a distribution", kind=ErrorKind.VALUE)
    n = int(check_integer("n", n, ge=1))
    if n * len(names) > MAX_DRAWS:
        raise HashleaseError("n", n, f"<= {MAX_DRAWS // len(names):,} with {len(names)} inputs (at most "
                             f"{MAX_DRAWS:,} values drawn)")
    target = rank_correlation_matrix(names, correlations) if correlations else None
    draws = np.empty((n, len(names)), order="F")
    for j, name in enumerate(names):
        distribution = distributions[name]
        if not isinstance(distribution, _Distribution):
            raise HashleaseError(f"distributions[{name!r}]", type(distribution).__name__, "a distribution "
                                 "(Normal, Lognormal, ...)", kind=ErrorKind.VALUE)
        draws[:, j] = distribution.quantile(uniforms(n, seed, name, method=method))
    if target is not None:
        iman_conover(draws, target, seed=seed, names=names, out=draws)
    return {name: draws[:, j] for j, name in enumerate(names)}


# --- ranks and summaries ---------------------------------------------------------------------------------

def average_ranks(x: Any) -> np.ndarray:
    """Ranks 1..n of ``x``, ties given the average of the ranks they span (as ``scipy.stats.rankdata``).

    Examples
    --------
    >>> average_ranks([10, 30, 20, 20])
    array([1. , 4. , 2.5, 2.5])
    """
    x = np.asarray(x, dtype=np.float64).ravel()
    order = np.argsort(x, kind="stable")
    ordered = x[order]
    new_group = np.concatenate([[True], ordered[1:] != ordered[:-1]])
    starts = np.flatnonzero(new_group)
    ends = np.concatenate([starts[1:], [x.size]])
    group_rank = (starts + ends + 1) / 2.0  # mean of ranks starts+1 .. ends
    ranks = np.empty(x.size)
    ranks[order] = np.repeat(group_rank, ends - starts)
    return ranks


def rank_correlation(x: Any, y: Any) -> Any:
    r"""Spearman rank correlation of ``x`` and ``y``: Pearson's correlation of their average ranks.

    .. math:: \rho_s = \frac{\sum (r_i - \bar r)(s_i - \bar s)}{\sqrt{\sum (r_i - \bar r)^2 \sum (s_i - \bar s)^2}}

    Parameters
    ----------
    x : array_like
        ``(n,)`` values, or ``(n, k)``: one correlation per column (``y`` is ranked once).
    y : array_like
        ``(n,)`` values. Rows where ``y`` or any column of ``x`` is NaN are left out.

    Returns
    -------
    float or numpy.ndarray
        In [-1, 1]; NaN where a column (or ``y``) is constant, or fewer than 2 rows remain. [fraction]

    References
    ----------
    .. [1] C. Spearman, "The proof and measurement of association between two things", American Journal of
       Psychology 15(1), 72-101 (1904), https://doi.org/10.2307/1412159

    Examples
    --------
    >>> rank_correlation([1, 2, 3, 4], [10, 20, 40, 30])
    0.8
    >>> rank_correlation(np.column_stack([[1, 2, 3, 4], [4, 3, 2, 1]]), [10, 20, 40, 30])
    array([ 0.8, -0.8])
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64).ravel()
    columns = x.reshape(x.shape[0], -1) if x.ndim == 2 else x.reshape(-1, 1)
    if columns.shape[0] != y.size:
        raise HashleaseError("y", f"{y.size} values", f"one per row of x ({columns.shape[0]})", kind=ErrorKind.VALUE)
    keep = ~(np.isnan(y) | np.isnan(columns).any(axis=1))
    if not keep.all():
        columns, y = columns[keep], y[keep]
    result = np.full(columns.shape[1], math.nan)
    if y.size >= 2:
        ry = average_ranks(y) - (y.size + 1) / 2.0
        ry_norm = float(ry @ ry)
        for j in range(columns.shape[1]):
            rx = average_ranks(columns[:, j]) - (y.size + 1) / 2.0
            denominator = math.sqrt(float(rx @ rx) * ry_norm)
            if denominator > 0:
                result[j] = min(max(float(rx @ ry) / denominator, -1.0), 1.0)
    return float(result[0]) if x.ndim != 2 else result


def summary_statistics(values: Any) -> dict[str, float]:
    r"""Count, mean, standard deviation and percentiles of one output's numeric values (NaN left out).

    Returns
    -------
    dict
        ``count`` (values that are numbers), ``mean``, ``standard_deviation`` (sample, :math:`n - 1`
        denominator; 0 for a single value) and ``p5``, ``p10``, ``p50``, ``p90``, ``p95`` (numpy's linear
        interpolation, Excel's ``PERCENTILE.INC``), in the output's unit; NaN but ``count`` when no value is a
        number.

    Notes
    -----
    Mean and variance are computed about the first value (:math:`d_i = x_i - x_1`), so identical values give
    exactly that value and a standard deviation of exactly 0.

    Examples
    --------
    >>> s = summary_statistics([1.0, 2.0, 3.0, 4.0, float("nan")])
    >>> s["count"], s["mean"], round(s["standard_deviation"], 6), s["p50"]
    (4, 2.5, 1.290994, 2.5)
    >>> summary_statistics([0.1] * 7)["mean"]
    0.1
    """
    x = np.asarray(values, dtype=np.float64).ravel()
    x = x[~np.isnan(x)]
    out: dict[str, Any] = {"count": int(x.size)}
    if x.size == 0:
        out.update(mean=math.nan, standard_deviation=math.nan, **{f"p{p}": math.nan for p in SUMMARY_PERCENTILES})
        return out
    d = x - x[0]
    shift = float(d.mean())
    out["mean"] = float(x[0]) + shift
    out["standard_deviation"] = float(math.sqrt(((d - shift) ** 2).sum() / (x.size - 1))) if x.size > 1 else 0.0
    for p, value in zip(SUMMARY_PERCENTILES, np.percentile(x, SUMMARY_PERCENTILES)):
        out[f"p{p}"] = float(value)
    return out
