"""Layer rules of the project, as the dbt-project-evaluator states them: sources are read by
staging models only, no layer reads a layer above it, names say the layer, marts have
contracts. Each rule reads the manifest only (folders, names, parents, config)."""

import re

from dbt_score import Macro, Model, RuleViolation, Source, rule, rule_filter

LAYERS = ("staging", "intermediate", "marts")
NAMES = {
    "staging": re.compile(r"stg_[a-z0-9]+(_[a-z0-9]+)*__[a-z0-9_]+"),
    "intermediate": re.compile(r"int_[a-z0-9_]+"),
    "marts": re.compile(r"(fct|dim|mart)_[a-z0-9_]+"),
}
DISPATCH_VARIANT = re.compile(r"(default|postgres|duckdb)__\w+")


def layer(model: Model) -> str | None:
    """The folder under models/ (staging, intermediate or marts) the model is in."""
    parts = model.original_file_path.split("/")
    return parts[1] if len(parts) > 2 and parts[0] == "models" and parts[1] in LAYERS else None


@rule
def sources_are_read_by_staging_only(
    model: Model, exempt_folders: tuple[str, ...] = ()
) -> RuleViolation | None:
    """Only staging models read sources; every other model reads a staging model.

    ``exempt_folders`` (path prefixes) lets a folder still being written finish first; each
    exemption is recorded, with its reason, in dbt_project/README.md."""
    sources = sorted(p.selector_name for p in model.parents if isinstance(p, Source))
    exempt = model.original_file_path.startswith(tuple(exempt_folders))
    if sources and layer(model) != "staging" and not exempt:
        return RuleViolation(f"reads source {', '.join(sources)}: read its stg_ model")


@rule
def no_layer_reads_a_layer_above_it(model: Model) -> RuleViolation | None:
    """staging reads sources, seeds and staging; intermediate reads no mart."""
    own = layer(model)
    if own is None:
        return RuleViolation("is outside models/staging, models/intermediate, models/marts")
    above = LAYERS[LAYERS.index(own) + 1 :]
    upward = sorted(p.name for p in model.parents if isinstance(p, Model) and layer(p) in above)
    if upward:
        return RuleViolation(f"{own} model reads {', '.join(upward)}")


@rule
def model_is_named_for_its_layer(model: Model) -> RuleViolation | None:
    """stg_<source>__<entity>, int_<entity>_<verb>, fct_/dim_/mart_ for marts."""
    own = layer(model)
    if own is not None and not NAMES[own].fullmatch(model.name):
        return RuleViolation(f"a {own} model is named {NAMES[own].pattern}")


@rule
def marts_enforce_their_contract(model: Model) -> RuleViolation | None:
    """Marts are what people and programs read: their columns and types are a contract."""
    if layer(model) == "marts" and not (model.config.get("contract") or {}).get("enforced"):
        return RuleViolation("mart without an enforced contract")


@rule_filter
def is_not_a_dispatch_variant(macro: Macro) -> bool:
    """default__/postgres__/duckdb__ implementations: documented by the macro that
    dispatches to them (macros/_macros.yml)."""
    return not DISPATCH_VARIANT.fullmatch(macro.name)
