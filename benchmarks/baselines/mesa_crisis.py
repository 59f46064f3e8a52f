"""The `two-state-textbook` crisis (status quo) written the way a Mesa 3 user would,
optionally with allies of the defender (`benchmarks/scaling.py`'s actor series).

One :class:`mesa.Model` per run; one :class:`mesa.Agent` per actor, holding
its own forces, arsenal, posture, mobilisation, civilians, its belief (a
16-bin vector) about the rival's resolve and, for the two disputants, its
belief about the alliance's cohesion; staged activation through
``model.agents.do``. The rules are detente's model version 2 (docs/model.md)
as far as this scenario reaches them: Richardson's arms step (allies arm
against the challenger), Bayes on a grid for signals and for costly moves,
the one-step look-ahead utilities with a logit choice, with the commitment
problem's erosion K(x) of peaceful shares when the race forecasts a shift in
power (Powell 2006), the hazard of unintended war, settlements that come apart
by either side's choice (model-spec V2.4: the breaker back at the top rung,
the other side reading the breach as resolve), allies that join the war at the
regional rung by their expected value of joining (a logit in it), the square
law on a shared front, displacement and mobilisation. Scalars are Python
floats and ``math``; belief vectors are small NumPy arrays, as a Mesa user
would write them.

Left out, because the scenarios keep it idle (`inactive.left_out` checks each
before the benchmark compares anything): talks and offers, ceasefires,
commitments, caps and guarantees (no intervention in the package); mutual
optimism; partners and allied aid; nuclear weapons; the high-intensity war's
tempo, call-up, flight waves and war-time returns.

Each run takes its random numbers from detente's streams (drawn for all runs
at once before the models are built), so the baseline and detente can be
compared run by run. ``math`` and NumPy can round ``exp`` and ``pow`` to a
different last bit, and some sums are taken in another order, which could tip
a rare decision; `benchmarks/mesa_comparison.py` requires every run to agree
before it times anything.

This is a baseline, not part of detente: only the benchmark uses it.
"""

from __future__ import annotations

import math

import mesa
import numpy as np

TOP, WAR_RUNG = 5, 6
DOWN, HOLD, UP, CONCEDE = 0, 1, 2, 3
CRISIS, WAR, SETTLED = 0, 1, 3
DT_YEAR = 1.0 / 52.1775


class Actor(mesa.Agent):
    """A state: its forces, arms, posture, people and what it believes of its rival."""

    def __init__(self, model: CrisisModel, i: int, p, r: int, belief, cbelief) -> None:
        super().__init__(model)
        self.i = i
        self.disputant = i < 2
        self.ally = bool(model.member[i])  # a member of the alliance backing the defender
        self.joined = False
        self.cbelief = cbelief  # the disputants' belief about the alliance's cohesion
        self.kp = float(p.arms_reaction[r, i])
        self.forces = float(p.forces[r, i])
        self.deployed = float(p.deployed[r, i])
        self.deployed0 = self.deployed
        self.arsenal = self.arsenal0 = float(p.arsenal[r, i])
        self.resolve = float(p.resolve[r, i])
        self.war_cost = float(p.war_cost[r, i])
        self.war_cost_seen = float(p.war_cost_belief[r, i])  # what others expect it to be
        self.audience = float(p.audience_cost[r, i])
        self.beta = float(p.rationality[r, i])
        self.effectiveness = float(p.effectiveness[r, i])
        self.mobilisation = float(p.mobilisation[r, i])
        self.k, self.a = float(p.arms_reaction[r, i]), float(p.arms_fatigue[r, i])
        self.g = float(p.arms_grievance[r, i])
        self.population = float(p.population[r, i])
        self.posture = (3, 2, 0)[min(i, 2)]
        self.last_move = 0
        self.belief = belief  # about the rival's resolve (disputants only)
        self.military_deaths = self.civilian_deaths = self.idps = self.refugees = 0.0
        self.choice = HOLD

    @property
    def rival(self) -> Actor:
        return self.model.actors[1 - self.i]

    # -- stages
    def arms_ahead(self) -> float:
        """Richardson's step from the arsenals as they stand."""
        rivals = sum(a.arsenal for a in self.model.actors if self.model.hostile[self.i, a.i])
        rate = self.k * rivals - self.a * self.arsenal + self.g
        return min(max(self.arsenal + DT_YEAR * rate, 0.0), 1e12)

    def plan_arms(self) -> None:
        self.next_arsenal = self.arms_ahead()

    def commit_arms(self) -> None:
        self.arsenal = self.next_arsenal

    def observe(self) -> None:
        m = self.model
        if not self.disputant:
            return
        sd = m.war_noise if m.phase == WAR else m.noise
        signal = self.rival.resolve + sd * m.normals[m.t, self.i]
        self.belief = _signal(self.belief, m.grid, signal, sd)
        if self.cbelief is not None:
            csd = m.cohesion_noise
            signal = m.cohesion + csd * m.cohesion_normals[m.t, self.i]
            self.cbelief = _signal(self.cbelief, m.grid, signal, csd)

    def strength(self, troops: float) -> float:
        ratio = min(max(self.arsenal / self.arsenal0, 1e-9), 1e6) if self.arsenal0 > 1e-6 else 1.0
        return troops * self.effectiveness * ratio**self.model.arms_elasticity

    def cost(self) -> float:
        return self.war_cost * (1.0 + self.model.mobilisation_cost * self.mobilisation)

    def shares(self) -> tuple[float, float, float]:
        """Status quo, after conceding, if the rival concedes (own share)."""
        q, dem = self.model.status_quo, self.model.demand
        return ((q, q, dem), (1 - q, 1 - dem, 1 - q))[self.i]

    def win_probability(self) -> float:
        """My chance of winning a war, counting the allies as far as I believe them loyal."""
        m = self.model
        strength = [a.strength(a.forces) for a in m.actors]
        totals = [strength[0], strength[1]]
        if self.cbelief is not None:
            believed = float((self.cbelief * m.grid).sum())
            allies = sum(strength[a.i] for a in m.actors if a.ally) - strength[1]
            totals[1] = strength[1] + believed * allies
        gamma = m.contest_exponent
        tc, tf = (max(x, 1e-12) ** gamma for x in totals)
        return (tc, tf)[self.i] / (tc + tf)

    def kept(self, x: float) -> float:
        """A peaceful own share as worth once a forecast shift in power is counted,
        K(x) = x - delta (x - ceiling)^+ + delta (floor - x)^+ (Powell 2006)."""
        delta = self.model.shadow_of_future
        return x - delta * max(x - self.ceiling, 0.0) + delta * max(self.floor - x, 0.0)

    def stands(self, posture: int, level: int, p: float) -> np.ndarray:
        """Chance that each type of this actor stands at ``posture``, as the rival sees it
        (``p``: this actor's chance of winning, in the rival's eyes)."""
        s, sc, sw = self.shares()
        risk = self.model.war_risk(level)
        den = (s - sc) + risk * (p * sw + (1 - p) * sc - s)
        num = risk * self.cost() + self.model.posture_cost[level] - self.audience * posture / TOP
        gap = np.clip(self.beta * (self.model.grid * den - num), -50, 50)
        return 1.0 / (1.0 + np.exp(-gap))

    def learn_from_rival(self) -> None:
        """The rival's move is a costly signal of its type."""
        if not self.disputant:
            return
        r = self.rival
        seen = 1.0 - self.win_probability()
        stand = r.stands(r.posture, max(r.posture, self.posture), seen)
        if r.last_move < 0:
            before = min(max(r.posture - r.last_move, 0), TOP)
            stand = stand * (1.0 - r.stands(before, max(before, self.posture), seen))
        self.belief = _bayes(self.belief, 0.02 + 0.98 * stand)

    def choose(self) -> None:
        if not self.disputant:
            return
        m, r = self.model, self.rival
        s, sc, sw = self.shares()
        p = self.win_probability()
        gain = p * sw + (1 - p) * sc - s
        keep_win, keep_sq = self.kept(sw) - s, self.kept(s) - s
        rs, rsc, rsw = r.shares()
        rp = 1.0 - p
        utility = [-math.inf] * 4
        for option, delta in ((DOWN, -1), (HOLD, 0), (UP, 1)):
            new = self.posture + delta
            level = max(min(max(new, 0), TOP), r.posture)
            risk, k = m.war_risk(level), m.posture_cost[level]
            den = (rs - rsc) + risk * (rp * rsw + (1 - rp) * rsc - rs)
            num = risk * r.cost() + k - r.audience * r.posture / TOP
            concede = float((self.belief * (m.grid * den < num)).sum())
            # Concession, war within the look-ahead, or the crisis going on at the
            # status quo as a commitment problem leaves it.
            a = concede * keep_win + (1 - concede) * (risk * gain + (1 - risk) * keep_sq)
            extra = k + (self.audience / TOP if option == DOWN else 0.0)
            if 0 <= new <= TOP:
                utility[option] = self.resolve * a + self.cost() * -((1 - concede) * risk) - extra
        if self.posture >= TOP:
            utility[UP] = self.resolve * gain - self.cost()
        utility[CONCEDE] = self.resolve * (self.kept(sc) - s) - self.audience * self.posture / TOP
        self.choice = _logit(utility, self.beta, m.decisions[m.t, self.i])

    def renege_gap(self, settlement: float) -> float:
        """What breaking the settlement in force is worth to me: fighting now less the
        terms, less the audience cost of breaking a public agreement (model-spec V2.4)."""
        s, sc, sw = self.shares()
        p = self.win_probability()
        war = self.resolve * (p * sw + (1 - p) * sc - s) - self.cost()
        mine = settlement if self.i == 0 else 1.0 - settlement
        return war - self.resolve * (self.kept(mine) - s) - self.audience

    def civilians(self, violence: float, at_war: bool) -> None:
        m = self.model
        if not self.disputant:  # no fighting on an ally's soil
            violence, at_war = 0.0, False
        in_place = max(self.population - (self.idps + self.refugees) - self.civilian_deaths, 0.0)
        dead = min(in_place, m.lethality * violence * in_place)
        in_place -= dead
        fled = in_place * -math.expm1(-m.displacement * violence)
        self.civilian_deaths += dead
        back = 0.0 if at_war else -math.expm1(-m.return_rate)
        self.idps = self.idps * (1 - back) + (1 - m.refugee_share) * fled
        self.refugees = self.refugees * (1 - back) + m.refugee_share * fled
        growth = m.mobilisation_growth * (dead + self.new_military_deaths) / 1e4
        self.mobilisation += growth - m.mobilisation_decay * self.mobilisation
        self.mobilisation = min(max(self.mobilisation, 0.0), 1.0)


PER_RUN = (
    "contest_exponent",
    "arms_elasticity",
    "hazard_elasticity",
    "mobilisation_cost",
    "territory_rate",
    "collapse",
    "reinforcement",
    "death_share",
    "civilian_lethality",
    "displacement_rate",
    "return_rate",
    "refugee_share",
    "mobilisation_growth",
    "mobilisation_decay",
)


class CrisisModel(mesa.Model):
    """One run of the crisis."""

    def __init__(self, p, r: int, st, beliefs, cbeliefs, draws: dict, grid, lookahead) -> None:
        super().__init__(seed=r)
        self.t, self.phase, self.war = 0, CRISIS, False
        self.settlement = math.nan  # the challenger's share under the terms in force
        self.grid, self.lookahead = grid, lookahead
        self.hostile = st.hostile
        self.member = st.member[0] if len(st.member) else np.zeros(st.n_actors, dtype=bool)
        self.cohesion = float(p.cohesion[r, 0]) if p.cohesion.shape[1] else 0.0
        self.cohesion_noise = float(p.cohesion_signal_noise[r])
        self.normals, self.decisions = draws["normals"][r], draws["decisions"][r]
        self.hazards, self.climbs = draws["hazards"][r], draws["climbs"][r]
        self.breaks = draws["agreements"][r]
        self.agreement_breakdown = float(p.agreement_breakdown[r, 0])
        self.renege_rate = float(p.renege_rate[r, 0])
        self.cohesion_normals, self.joins = draws["cohesion_normals"][r], draws["joins"][r]
        for name in PER_RUN:
            setattr(self, name, float(getattr(p, name)[r]))
        self.lethality, self.displacement = self.civilian_lethality, self.displacement_rate
        self.noise, self.war_noise = float(p.signal_noise[r]), float(p.war_signal_noise[r])
        self.status_quo, self.demand = float(p.status_quo[r, 0]), float(p.demand[r, 0])
        self.power_shift = float(p.power_shift[r, 0])
        self.shadow_of_future = float(st.shadow_of_future)
        self.territory = float(p.territory[r, 0])
        self.hazard = p.hazard[r].tolist()
        self.posture_cost = p.posture_cost[r].tolist()
        self.violence = p.violence[r].tolist()
        self.actors = [
            Actor(
                self,
                i,
                p,
                r,
                beliefs[i].copy() if i < 2 else None,
                cbeliefs[i, 0].copy() if i < 2 and cbeliefs.shape[1] else None,
            )
            for i in range(st.n_actors)
        ]
        self.rung = max(a.posture for a in self.actors[:2])
        self.max_rung = self.rung
        self.displaced_peak = 0.0

    def war_risk(self, level: int) -> float:
        c, d = self.actors[:2]
        front = c.deployed + d.deployed
        front0 = c.deployed0 + d.deployed0
        scale = (front / front0 if front0 > 0 else 1.0) ** self.hazard_elasticity
        h = min(max(self.hazard[level] * scale, 0.0), 1.0)
        return 1.0 - (1.0 - h) ** self.lookahead

    def commitment(self, arms_next: list[float]) -> None:
        """Each disputant's ceiling and floor on peaceful shares (Powell 2006).

        The challenger's forecast change in its chance of winning, from
        Richardson's race run over the look-ahead; a side whose credible share
        (its war share plus the other's believed cost in stake units) falls
        with it can keep no more than its share after the shift.
        """
        c, d = self.actors[:2]
        stake = self.demand - self.status_quo
        pwin = [c.win_probability(), d.win_probability()]
        grow = []
        for a, nxt in zip((c, d), arms_next, strict=True):
            ahead = max(a.arsenal + self.lookahead * (nxt - a.arsenal), 1e-9)
            ratio = ahead / max(a.arsenal, 1e-9) if a.arsenal0 > 1e-6 else 1.0
            grow.append(ratio**self.arms_elasticity)
        m = (grow[0] / grow[1]) ** self.contest_exponent
        pc = pwin[0]
        future = pc * m / max(pc * m + 1.0 - pc, 1e-12)
        shift = min(max(future + self.power_shift, 0.0), 1.0) - pc
        y_now, y_fut = [], []
        for a, p, own in zip((c, d), pwin, (shift * stake, -shift * stake), strict=True):
            s, sc, sw = a.shares()
            r_hat = float((a.belief * self.grid).sum())
            y_now.append(s + (p * sw + (1 - p) * sc - s) + a.rival.war_cost_seen / max(r_hat, 1e-6))
            y_fut.append(y_now[-1] + min(own, 0.0))
        declining = [f < n - 1e-12 for f, n in zip(y_fut, y_now, strict=True)]
        for a in (c, d):
            a.ceiling = y_fut[a.i] if declining[a.i] else 1e9
            a.floor = 1.0 - y_fut[1 - a.i] if declining[1 - a.i] else -1e9

    def settle_bounds(self) -> None:
        self.commitment([a.arms_ahead() for a in self.actors[:2]])

    def step(self) -> None:
        # A settlement in force is judged at the start of the week.
        gaps = None
        if self.phase == SETTLED:
            self.settle_bounds()
            gaps = [a.renege_gap(self.settlement) for a in self.actors[:2]]
        self.agents.do("plan_arms")
        self.agents.do("commit_arms")
        self.agents.do("observe")
        if self.phase == CRISIS:
            if self.t > 0:
                self.agents.do("learn_from_rival")
            self.settle_bounds()
            self.agents.do("choose")
            self.resolve_moves()
        elif gaps is not None:
            self.break_settlement(gaps)
        for a in self.actors:
            a.new_military_deaths = 0.0
        if self.phase == WAR:
            self.fight()
        violence = self.violence[self.rung] if self.phase in (CRISIS, WAR) else 0.0
        for a in self.actors:
            a.civilians(violence, self.phase == WAR)
        self.displaced_peak = max(
            self.displaced_peak, sum(a.idps + a.refugees for a in self.actors)
        )
        self.max_rung = max(self.max_rung, self.rung)
        self.t += 1

    def resolve_moves(self) -> None:
        war = False
        for a in self.actors[:2]:
            if a.choice == CONCEDE and self.phase == CRISIS:
                # The challenger backing down keeps the status quo; else it gets its demand.
                self.phase = SETTLED
                self.settlement = self.status_quo if a.i == 0 else self.demand
            step = {UP: 1, DOWN: -1}.get(a.choice, 0)
            new = max(a.posture + step, 0)
            war |= new > TOP
            new = min(new, TOP)
            a.last_move, a.posture = (new > a.posture) - (new < a.posture), new
        if self.phase == CRISIS:
            self.rung = max(a.posture for a in self.actors[:2])
            h = self.war_risk_now()
            if war or self.hazards[self.t] < h:
                self.phase, self.rung, self.war = WAR, WAR_RUNG, True

    def break_settlement(self, gaps: list[float]) -> None:
        """The settlement comes apart by either side's logit choice in its gain from
        breaking, or by a hazard nobody chose that rises with the larger gain; the
        breaker presses its claim from the top crisis rung and the other side reads
        the breach as a sign of resolve (model-spec V2.4)."""
        c, d = self.actors[:2]
        by = [1.0 / (1.0 + math.exp(-min(max(a.beta * g, -50.0), 50.0)))
              for a, g in zip((c, d), gaps, strict=True)]
        incentive = max(max(gaps[0], 0.0), max(gaps[1], 0.0))
        accident = 1.0 - (1.0 - self.agreement_breakdown) * math.exp(-self.renege_rate * incentive)
        accident = min(max(accident, 0.0), 1.0)
        chosen = 1.0 - (1.0 - by[0]) * (1.0 - by[1])
        if not self.breaks[self.t] < 1.0 - (1.0 - accident) * (1.0 - chosen):
            return
        breaker = 1 if gaps[1] > gaps[0] else 0
        self.actors[breaker].posture = TOP
        self.phase, self.settlement = CRISIS, math.nan
        self.rung = max(c.posture, d.posture)
        c.last_move = d.last_move = 0  # nobody moved in the crisis while it was settled
        other = self.actors[1 - breaker]
        other.belief = _bayes(other.belief, 0.02 + 0.98 * self.grid)

    def join_chance(self, m: Actor) -> float:
        """An ally's logit chance of joining the defender's war, in its value of joining:
        r (v - q) (the rise in the defender's chance it brings + the cohesion it would
        betray by staying out) - c (Christensen & Snyder 1990; Fearon 1997)."""
        strength = [a.strength(a.forces) for a in self.actors]
        d = self.actors[1]
        believed = float((d.cbelief * self.grid).sum())  # the defender's belief
        support = sum(strength[a.i] for a in self.actors if a.ally) - strength[1]
        in_war = sum(strength[a.i] for a in self.actors[2:] if a.joined)
        side = strength[1] + (believed * support + (1.0 - believed) * 1.0 * in_war)
        without = side - strength[m.i] * believed
        g = self.contest_exponent

        def contest(t_f: float) -> float:
            tc, tf = max(strength[0], 1e-12) ** g, max(t_f, 1e-12) ** g
            return tf / (tc + tf)

        gain = contest(without + strength[m.i]) - contest(without)
        value = m.resolve * (self.demand - self.status_quo) * (gain + self.cohesion) - m.cost()
        return 1.0 / (1.0 + math.exp(-min(max(m.beta * value, -50.0), 50.0)))

    def war_risk_now(self) -> float:
        c, d = self.actors[:2]
        front, front0 = c.deployed + d.deployed, c.deployed0 + d.deployed0
        scale = (front / front0 if front0 > 0 else 1.0) ** self.hazard_elasticity
        return min(max(self.hazard[self.rung] * scale, 0.0), 1.0)

    def fight(self) -> None:
        # A war with an alliance tied to the defender can spread (rung 6 -> 7);
        # at the regional rung each ally joins with probability its cohesion.
        if self.rung == WAR_RUNG and self.member[1] and self.climbs[self.t] < self.hazard[6]:
            self.rung = WAR_RUNG + 1
        if self.rung > WAR_RUNG:
            joining = [a for a in self.actors[2:] if a.ally and not a.joined and (
                self.joins[a.i] < self.join_chance(a))]
            for a in joining:
                a.joined = True
        c = self.actors[0]
        side = [a for a in self.actors[1:] if a.i == 1 or a.joined]
        front_c = c.deployed
        front_d = sum(a.deployed for a in side)
        alpha = c.strength(c.deployed)
        beta = sum(a.strength(a.deployed) for a in side)
        loss_c = min(beta / max(front_d, 1e-12) * front_d, front_c)
        loss_d = min(alpha / max(front_c, 1e-12) * front_c, front_d)
        shares = [(c, front_c / max(front_c, 1e-12) * loss_c)]
        shares += [(a, a.deployed / max(front_d, 1e-12) * loss_d) for a in side]
        for a, loss in shares:
            loss = min(loss, a.deployed)
            a.deployed -= loss
            a.forces = max(a.forces - loss, a.deployed)
            a.new_military_deaths = self.death_share * loss * 1000.0
            a.military_deaths += a.new_military_deaths
            a.deployed += self.reinforcement * (a.forces - a.deployed)
        balance = (alpha - beta) / max(alpha + beta, 1e-12)
        self.territory = min(max(self.territory + self.territory_rate * balance, 0.0), 1.0)
        d = self.actors[1]
        c_front = c.deployed / max(c.deployed0, 1e-12)
        d_front = d.deployed / max(d.deployed0, 1e-12)
        if c_front < self.collapse or d_front < self.collapse or self.territory >= 1.0:
            self.phase = SETTLED  # a front collapsed, or the territory is taken
            self.settlement = self.status_quo if c_front < self.collapse else self.demand


def _signal(belief: np.ndarray, grid: np.ndarray, signal: float, sd: float) -> np.ndarray:
    """Bayes' rule on a grid for a signal = type + N(0, sd^2)."""
    z = (signal - grid) / max(sd, 1e-6)
    return _bayes(belief, np.exp(-0.5 * (z * z - (z * z).min())))


def _bayes(belief: np.ndarray, likelihood: np.ndarray) -> np.ndarray:
    post = belief * likelihood
    total = post.sum()
    return post / total if total > 1e-300 else belief


def _logit(utility: list[float], beta: float, u: float) -> int:
    best = max(utility)
    weights = [math.exp(beta * (x - best)) if x > -math.inf else 0.0 for x in utility]
    total, acc = sum(weights), 0.0
    for option, w in enumerate(weights):
        acc += w / total
        if u <= acc:
            return option
    return len(weights) - 1


def simulate(p, st, beliefs, cbeliefs, seed: int, runs) -> dict:
    """Build and step one Mesa model per run; return the per-run outcomes.

    ``st`` is the scenario's structure (who is hostile to whom, who is in the
    alliance); ``beliefs`` and ``cbeliefs`` the initial beliefs about resolve
    (R, 2, G) and cohesion (R, 2, A, G), as detente starts them.
    """
    from detente.random import normal, uniform

    steps = st.steps
    grid = (np.arange(st.bins) + 0.5) / st.bins
    ts = range(steps)
    n, n_al = st.n_actors, st.member.shape[0]
    draws = {
        "normals": np.stack([normal(seed, "signal.resolve", t, runs, (2,)) for t in ts], 1),
        "decisions": np.stack([uniform(seed, "decision", t, runs, (1, 2))[:, 0] for t in ts], 1),
        "hazards": np.stack([uniform(seed, "hazard.war", t, runs, (1,))[:, 0] for t in ts], 1),
        "climbs": np.stack([uniform(seed, "hazard.war-rung", t, runs, (1,))[:, 0] for t in ts], 1),
        "agreements": np.stack(
            [uniform(seed, "hazard.agreement", t, runs, (1,))[:, 0] for t in ts], 1
        ),
        "joins": uniform(seed, "war.join", 0, runs, (1, n))[:, 0],
        "cohesion_normals": np.stack(
            [normal(seed, "signal.cohesion", t, runs, (n, max(n_al, 1)))[:, :2, 0] for t in ts], 1
        ),
    }
    out = {"war": [], "max_rung": [], "deaths": [], "displaced": []}
    for j in range(len(runs)):
        model = CrisisModel(p, j, st, beliefs[j], cbeliefs[j], draws, grid, st.lookahead)
        for _ in range(steps):
            model.step()
        out["war"].append(model.war)
        out["max_rung"].append(model.max_rung)
        out["deaths"].append(sum(a.military_deaths + a.civilian_deaths for a in model.actors))
        out["displaced"].append(model.displaced_peak)
    return {k: np.array(v) for k, v in out.items()}
