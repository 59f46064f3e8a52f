"""Shared builders: small scenarios written as data, as a user would write them."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest

from detente.model.simulate import compile_model, run_chunk
from detente.scenario.loading import parse_scenario
from detente.scenario.schema import DEFAULT_LADDER, Scenario


def actor(aid: str, **over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": aid,
        "forces": 100,
        "deployed": 50,
        "arsenal": 10,
        "population_at_risk": 500_000,
        "resolve": {"dist": "beta", "a": 2, "b": 2},
        "war_cost": {"dist": "uniform", "low": 0.1, "high": 0.3},
        "audience_cost": 0.05,
        "rationality": 200,
        "arms": {"reaction": 0.1, "fatigue": 0.2, "grievance": 1.0},
        "policy": {"name": "expected-utility"},
    }
    base.update(over)
    return base


def scenario_dict(**over: Any) -> dict[str, Any]:
    """A two-state crisis (A challenges B) to vary in tests."""
    base: dict[str, Any] = {
        "name": "test",
        "settings": {"steps": 52, "signal_noise": 0.25},
        "actors": [actor("A"), actor("B")],
        "disputes": [
            {
                "id": "d",
                "challenger": "A",
                "defender": "B",
                "status_quo": 0.0,
                "demand": 1.0,
                "territory": 0.0,
                "challenger_posture": 3,
                "defender_posture": 2,
            }
        ],
        "packages": {"status-quo": []},
    }
    base.update(over)
    return copy.deepcopy(base)


def ladder(hazard: float | None = None, **by_rung: float) -> list[dict[str, Any]]:
    """The default ladder, with every hazard set to ``hazard`` (if given)."""
    rungs = [dict(r) for r in DEFAULT_LADDER]
    if hazard is not None:
        for r in rungs:
            r["hazard"] = hazard
    for key, value in by_rung.items():
        rungs[int(key.removeprefix("h"))]["hazard"] = value
    return rungs


def build(data: dict[str, Any]) -> Scenario:
    return parse_scenario(data, file="<test>")


def simulate(
    sc: Scenario, package: str = "status-quo", runs: int = 2000, seed: int = 0, record: bool = False
):
    out, series = run_chunk(sc, compile_model(sc, package), seed, np.arange(runs), record=record)
    return (out, series) if record else out


def sweep_rows(folder):
    """A sweep folder's per-run rows, in a fixed order (pandas)."""
    import pyarrow.parquet as pq

    t = pq.read_table(folder / "chunks").to_pandas()
    return t.sort_values(["point", "package", "run"]).reset_index(drop=True)


@pytest.fixture
def textbook() -> Scenario:
    from detente import load_scenario

    return load_scenario("two-state-textbook")


# Tests that take more than about 5 s on a loaded 2-core machine (measured with
# `pytest --durations=120`, issue 19), marked `slow` here rather than one by
# one in each file: `pytest -m "not slow"` is the inner loop, CI runs them all.
# A test is named by its file and function (every parameter), or with its
# parameter id in brackets (that case only).
SLOW = {
    "test_api_and_cli.py": {
        "test_the_same_seed_gives_byte_identical_json_in_separate_processes_and_chunkings",
        "test_run_out_writes_the_json_and_the_per_run_outcomes_as_parquet",
        "test_scenarios_lists_the_built_ins_one_line_each",
        "test_run_json_has_the_documented_keys",
        "test_run_prints_a_table_with_one_row_per_package",
    },
    "test_backends.py": {
        "test_summaries_agree_within_monte_carlo_error",
        "test_single_precision_keeps_the_summaries_within_monte_carlo_error",
        "test_compiled_results_do_not_depend_on_the_chunk_size",
        "test_the_cli_runs_the_compiled_backend_and_names_it",
        "test_every_package_gives_the_same_runs_on_both_backends",
        "test_recorded_series_agree_with_interventions_that_start_and_end",
    },
    "test_bad_inputs.py": {
        "test_each_bad_input_gives_its_error[results/chunk-truncated-discover]",
        "test_hostile_files_fail_fast_in_bounded_memory",
    },
    "test_bad_scenarios.py": {"test_in_a_real_process_the_error_is_one_line_with_no_traceback"},
    "test_calibration.py": {
        # these share the module's small calibration (about 26 s to set up)
        "test_a_small_calibration_narrows_the_distance_and_stays_inside_the_priors",
        "test_the_calibration_folder_holds_posterior_predictive_and_a_parameter_file",
        "test_a_scenario_draws_whole_posterior_rows_from_a_calibrated_file",
        "test_text_with_no_file_may_not_read_files_outside_the_built_in_folder",
        "test_score_reports_the_model_beside_no_change_and_climatology",
        "test_the_report_of_a_calibration_shows_the_predictive_checks",
        "test_the_calibrate_command_runs_end_to_end",
    },
    "test_crises.py": {  # 9-47 s each in a --durations run at load 15 (1 December)
        "test_score_and_priors_commands",
        "test_fit_recovers_known_coefficients_from_synthetic_crises",
        "test_cross_validation_holds_each_decade_out",
        "test_fit_is_the_same_for_any_worker_count",
    },
    "test_earned_answers.py": {
        "test_raising_the_indivisible_share_from_zero_raises_the_probability_of_war",
        "test_guarantees_make_agreements_break_down_less_often",
        "test_agreements_break_down_more_often_after_larger_shifts_in_power",
    },
    "test_front.py": {"test_without_the_new_parameters_nobody_returns_during_a_war"},
    "test_theory.py": {
        "test_the_published_deterministic_results",
        "test_stochastic_strategies_agree_with_axelrod_within_monte_carlo_error",
    },
    "test_experiments.py": {
        "test_results_are_bitwise_identical_for_1_and_2_local_workers_and_a_dask_cluster",
        "test_a_sweep_killed_with_sigkill_resumes_to_exactly_the_uninterrupted_rows",
        "test_a_finished_folder_is_not_overwritten_without_resume",
        "test_a_sweep_streams_chunks_and_catalogues_them_in_duckdb",
        "test_discover_finds_the_box_where_war_is_likely",
        "test_discover_refuses_a_condition_it_cannot_read",
    },
    "test_random_scenarios.py": {
        "test_random_valid_scenarios_keep_probabilities_conservation_and_numbers_sane"
    },
    "test_reliability.py": {
        "test_a_sweep_killed_at_twenty_random_moments_ends_complete_and_identical",
        "test_a_full_disk_at_the_catalogue_keeps_every_chunk",
        "test_jobs_beyond_the_concurrency_limit_queue_and_a_slow_job_times_out",
        "test_a_nearly_valid_scenario_loads_cleanly_or_gives_a_scenario_error",
        "test_a_full_disk_while_writing_a_chunk_gives_a_clear_error_and_loses_nothing",
        "test_schemathesis_finds_no_server_error_in_the_api",
        "test_a_signal_mid_sweep_ends_the_workers_and_says_what_was_kept",
        "test_a_second_sweep_into_the_same_folder_is_refused_naming_the_holder",
    },
    "test_required_properties.py": {
        "test_engine_arsenals_approach_the_richardson_equilibrium_in_peace",
        "test_engine_arms_reduction_lowers_end_arsenals",
        "test_same_seed_same_results_for_any_chunk_size_and_worker_count",
        "test_lowering_the_challengers_believed_cohesion_raises_the_probability_of_war",
        "test_withdrawal_lowers_the_rate_of_unintended_war",
        "test_with_finite_rationality_war_comes_only_from_mistakes_and_vanishes_as_beta_grows",
    },
    "test_users.py": {
        "test_run_table_fits_80_columns_without_breaking_numbers",
        "test_run_out_writes_a_scenario_that_runs_from_another_machine",
    },
    "test_web.py": {
        "test_in_a_browser_the_default_scenario_runs_and_its_figures_render",
        "test_in_a_browser_names_with_html_are_shown_as_text",
    },
    "test_world.py": {
        "test_a_collective_guarantee_deters_wars_over_contested_claims",
        "test_in_a_world_war_from_mistakes_falls_as_rationality_grows",
        "test_recognised_spheres_give_fewer_crises_than_contested_ones_but_less_autonomy",
        "test_a_world_gives_the_same_numbers_for_any_chunking_and_worker_count",
        "test_in_a_world_a_challenger_that_believes_blocs_divided_goes_to_war_more",
        "test_in_a_world_withdrawal_lowers_the_rate_of_war",
        "test_with_no_claimed_spheres_no_dispute_over_spheres_ever_starts",
        "test_in_a_world_a_ceasefire_cuts_deaths",
        "test_people_are_conserved_world_wide",
    },
    "test_world_properties.py": {
        "test_wars_rise_with_contagion_when_neighbours_fight",
        "test_a_stronger_guarantee_deters_the_start_of_crises_and_reassures_small_states",
        "test_claim_strength_sets_the_stake_of_the_crisis",
    },
}

# Added on 2 December from a --durations run on a quiet machine (2.4-18 s
# each), so that the not-slow loop stays under two minutes as it grew with
# the round's tests; CI runs them all.
for _file, _names in {
    "test_world_properties.py": {
        "test_uneven_growth_acts_through_the_commitment_problem",
        "test_great_powers_fight_each_other_over_a_claim_only_by_joining_a_member",
    },
    "test_bad_inputs.py": {
        "test_each_bad_input_gives_its_error[results/chunk-flipped-bytes-discover]",
    },
    "test_earned_answers.py": {
        "test_screening_only_where_a_bargaining_range_exists_changes_no_number",
        "test_the_withdrawal_effect_depends_on_the_withdrawing_sides_rule",
    },
    "test_reliability.py": {"test_a_bounded_load_on_loopback_is_served_without_errors"},
    "test_alliances.py": {"test_members_choices_give_the_same_runs_on_both_backends"},
    "test_war_2022.py": {"test_the_run_and_its_report_say_the_war_parameters_are_a_hindcast"},
    "test_web.py": {
        "test_the_queue_is_bounded_and_a_job_past_its_time_is_ended",
        "test_a_run_reports_progress_then_figures_and_downloads",
        "test_csv_downloads_are_not_formulas_and_any_name_downloads",
    },
    "test_world.py": {"test_the_world_command_compares_with_intervals_and_writes_a_report"},
    "test_users.py": {"test_the_report_speaks_in_words_and_explains_settlement_and_its_price"},
}.items():
    SLOW.setdefault(_file, set()).update(_names)


def _mark_slow(items) -> None:
    for item in items:
        names = SLOW.get(item.path.name, set())
        if item.originalname in names or item.name in names:
            item.add_marker(pytest.mark.slow)


def pytest_collection_modifyitems(config, items) -> None:
    """Mark the slow tests (``SLOW``); run the compiled-backend tests last.

    JAX starts thread pools when it is first used, and some tests fork a
    process (the axelrod library's tournament, subprocesses with resource
    limits). Forking a process with threads running is unsafe, so JAX is
    imported only after every other test has run.
    """
    _mark_slow(items)
    items.sort(key=lambda item: item.module.__name__.endswith(JAX_MODULES))


# The test modules that run JAX (each imports it inside its tests only).
JAX_MODULES = ("test_backends", "test_backend_object", "test_plugin_contract")
