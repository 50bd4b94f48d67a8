"""Progress between two runs: what changed for each village, and per province.

:func:`compare_runs` reads the village tables of two output folders (or their ``run.json``) and
gives each village the change from the old status to the new:

===========  ===============================================================================
``fixed``    a dead zone or partial village that is now covered
``new_gap``  a covered or unelectrified village that is now a dead zone or partial
``worse``    partial → dead zone, or a village that lost its electrified land
``better``   dead zone → partial, or an unelectrified village now covered
``unchanged`` the same status
``added``    only in the new run
``removed``  only in the old run
===========  ===============================================================================

Villages are matched by id.  When the two runs share too few ids (a run on the 2025 units
against an older one on the pre-2025 units), they are matched by location instead — the
nearest village of the other run within :data:`MATCH_DISTANCE_M` — with a note saying so.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from coverage_gaps.coverage.models import MODELS
from coverage_gaps.errors import InputError
from coverage_gaps.settings import Unit, choices_of

__all__ = [
    "CHANGES",
    "COMPARED_SETTINGS",
    "MATCH_DISTANCE_M",
    "Comparison",
    "change_of",
    "compare_runs",
    "read_run_villages",
    "setting_changes",
]

CHANGES: tuple[str, ...] = (
    "fixed",
    "new_gap",
    "worse",
    "better",
    "unchanged",
    "added",
    "removed",
)
#: Villages of two runs farther apart than this are not the same village.
MATCH_DISTANCE_M = 1_000.0
#: Below this share of ids in common, villages are matched by location.
MIN_SHARED_IDS = 0.5
#: The sections of a run's recorded settings (``run.json``) that change what a village's status
#: is; a setting that differs between the two runs is named in a note.  The as-of date is left
#: out (it is what differs between two runs of one programme), so are the paths and outputs.
COMPARED_SETTINGS: tuple[str, ...] = (
    "towers",
    "service",
    "coverage",
    "analysis",
    "sunsets_applied",
    "link_budget",
    "k_factor",
)
_NOT_COMPARED = {"towers.as_of", "analysis.memory_budget_gb"}
#: Settings that only some coverage models use, and what of :class:`ModelSpec` says a model
#: does: a difference in one is named only when one of the two runs' models uses it (a disc
#: run records a terrain resolution it never used).
_MODEL_SETTINGS: Mapping[str, str] = {
    "coverage.terrain_resolution_m": "needs_dem",
    "coverage.k_factor": "needs_dem",
    "k_factor": "needs_dem",
    "coverage.reliability": "uses_link_budget",
    "coverage.environment": "uses_link_budget",
    "link_budget": "uses_link_budget",
}
#: At most this many differing settings are named, then "and N more".
_MAX_NAMED = 6
_GAPS = {"dead_zone", "partial"}
_KEEP = (
    "village_id",
    "village_name",
    "commune",
    "province",
    "lon",
    "lat",
    "status",
    "covered_share",
    "uncovered_population",
)


def change_of(old: str | None, new: str | None) -> str:
    """The change from status ``old`` to ``new`` (``None``: the village is not in that run)."""
    if old is None:
        return "added"
    if new is None:
        return "removed"
    if old == new:
        return "unchanged"
    if old in _GAPS and new == "covered":
        return "fixed"
    if new in _GAPS and old in {"covered", "not_electrified"}:
        return "new_gap"
    if (old, new) == ("partial", "dead_zone") or new == "not_electrified":
        return "worse"
    return "better"  # dead_zone -> partial, not_electrified -> covered


def read_run_villages(run: str | Path) -> tuple[pd.DataFrame, dict[str, object]]:
    """Every village of a run's folder (or its ``run.json``), and the run's record."""
    path = Path(run)
    folder = path.parent if path.name == "run.json" else path
    if not folder.is_dir():
        raise InputError(path, "is not an output folder of coverage-gaps (or its run.json)")
    record: dict[str, object] = {}
    names: list[str] = []
    record_path = folder / "run.json"
    if record_path.exists():
        try:
            record = json.loads(record_path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise InputError(record_path, f"is not a readable run record ({exc})") from None
        files = record.get("files", [])
        if isinstance(files, list):
            names = [
                str(f["name"])
                for f in files
                if isinstance(f, dict) and str(f.get("name", "")).endswith("-villages.csv")
            ]
    if not names:
        names = sorted(p.name for p in folder.glob("*-villages.csv"))
    if not names:
        raise InputError(folder, "holds no <province>-villages.csv; is it an output folder?")
    frames = []
    for name in names:
        table = pd.read_csv(
            folder / name,
            encoding="utf-8-sig",
            dtype={"village_id": str, "village_name": str, "commune": str, "province": str},
            keep_default_na=False,
            na_values={c: [""] for c in ("covered_share", "uncovered_population", "lon", "lat")},
        )
        missing = {"village_id", "status", "province"} - set(table.columns)
        if missing:
            raise InputError(folder / name, f"has no column {', '.join(sorted(missing))}")
        frames.append(table[[c for c in _KEEP if c in table.columns]])
    return pd.concat(frames, ignore_index=True), record


@dataclass
class Comparison:
    """The changes between two runs."""

    villages: pd.DataFrame
    provinces: pd.DataFrame
    matched_by: str
    notes: list[str] = field(default_factory=list)
    unit: Unit = "village"


def _match_by_location(old: pd.DataFrame, new: pd.DataFrame) -> np.ndarray:
    """For each new village, the row of the nearest old village within MATCH_DISTANCE_M (each
    old village matched once), else -1."""
    from scipy.spatial import cKDTree

    lat0 = np.radians(np.nanmean(np.r_[old["lat"].to_numpy("f8"), new["lat"].to_numpy("f8")]))

    def xy(frame: pd.DataFrame) -> np.ndarray:
        lon = np.radians(frame["lon"].to_numpy("f8"))
        lat = np.radians(frame["lat"].to_numpy("f8"))
        return np.c_[lon * np.cos(lat0), lat] * 6_371_000.0

    tree = cKDTree(xy(old))
    dist, idx = tree.query(xy(new), distance_upper_bound=MATCH_DISTANCE_M)
    out = np.where(np.isfinite(dist), idx, -1)
    taken: set[int] = set()
    for i in np.argsort(dist):
        if out[i] >= 0 and out[i] in taken:
            out[i] = -1
        elif out[i] >= 0:
            taken.add(int(out[i]))
    return out


def _flat(value: object, prefix: str) -> dict[str, object]:
    if isinstance(value, dict):
        out: dict[str, object] = {}
        for key, item in value.items():
            out |= _flat(item, f"{prefix}.{key}" if prefix else str(key))
        return out
    return {prefix: value}


def setting_changes(old: dict[str, object], new: dict[str, object]) -> list[str]:
    """The settings of :data:`COMPARED_SETTINGS` that differ between two run records, as
    ``"coverage.model 'disc' → 'terrain'"`` (records without settings compare as equal); a
    setting of some models only (the terrain resolution, the link budget) is named only when
    one of the two runs' models uses it."""
    a, b = old.get("settings"), new.get("settings")
    if not isinstance(a, dict) or not isinstance(b, dict):
        return []
    flat_a = _flat({k: a[k] for k in COMPARED_SETTINGS if k in a}, "")
    flat_b = _flat({k: b[k] for k in COMPARED_SETTINGS if k in b}, "")
    models = [MODELS.get(str(f.get("coverage.model"))) for f in (flat_a, flat_b)]
    out = []
    for key in sorted(set(flat_a) | set(flat_b)):
        if key in _NOT_COMPARED:
            continue
        uses = _MODEL_SETTINGS.get(key)
        if uses and not any(m is None or getattr(m, uses) for m in models):
            continue  # neither run's model uses it
        before, after = flat_a.get(key), flat_b.get(key)
        if before != after:
            out.append(f"{key} {_shown(before)} → {_shown(after)}")
    return out


def _shown(value: object) -> str:
    """A recorded setting as a note shows it: floats without their binary tail (111.32, not
    111.32000000000001)."""
    return repr(round(value, 6) if isinstance(value, float) else value)


def _unit_of(record: dict[str, object]) -> Unit:
    settings = record.get("settings")
    villages = settings.get("villages") if isinstance(settings, dict) else None
    unit = villages.get("unit") if isinstance(villages, dict) else None
    return unit if unit in choices_of(Unit) else "village"


def _province_notes(a: pd.DataFrame, b: pd.DataFrame) -> list[str]:
    """A note per province that only one of the runs looked at."""
    in_a, in_b = set(a["province"]), set(b["province"])
    notes = []
    for only, where, change in ((in_a - in_b, "old", "removed"), (in_b - in_a, "new", "added")):
        if only:
            names = ", ".join(sorted(only))
            notes.append(
                f"only the {where} run looked at {names}: its villages are all '{change}', "
                "which says what each run covered, not what changed on the ground"
            )
    return notes


def compare_runs(old: str | Path, new: str | Path) -> Comparison:
    """What changed between the ``old`` and ``new`` runs (output folders or ``run.json``).

    The notes say how villages were matched, which provinces only one run looked at, and which
    settings of :data:`COMPARED_SETTINGS` differ (a status may then change with the settings,
    not with the network)."""
    a, old_record = read_run_villages(old)
    b, new_record = read_run_villages(new)
    notes: list[str] = []
    changed = setting_changes(old_record, new_record)
    if changed:
        named = "; ".join(changed[:_MAX_NAMED])
        more = f"; and {len(changed) - _MAX_NAMED} more" if len(changed) > _MAX_NAMED else ""
        notes.append(
            f"the two runs were made with different settings ({named}{more}): a change of "
            "status may come from the settings, not from the network"
        )
    notes += _province_notes(a, b)
    shared = len(set(a["village_id"]) & set(b["village_id"]))
    matched_by = "id"
    if shared < MIN_SHARED_IDS * min(len(a), len(b)):
        if not {"lon", "lat"} <= set(a.columns) & set(b.columns):
            raise InputError(
                Path(new), "shares few village ids with the old run and has no lon/lat"
            )
        matched_by = "location"
        row = _match_by_location(a, b)
        notes.append(
            f"the two runs share only {shared:,} of {min(len(a), len(b)):,} village ids (units "
            f"of different years?): villages are matched by location, the nearest within "
            f"{MATCH_DISTANCE_M:,.0f} m"
        )
        key_b = np.where(row >= 0, row.astype(str), "new-" + np.arange(len(b)).astype(str))
        a = a.assign(_key=np.arange(len(a)).astype(str))
        b = b.assign(_key=key_b)
    else:
        a = a.assign(_key=a["village_id"])
        b = b.assign(_key=b["village_id"])
    merged = a.merge(b, on="_key", how="outer", suffixes=("_old", "_new"), sort=False)
    old_status = [None if pd.isna(v) else str(v) for v in merged["status_old"]]
    new_status = [None if pd.isna(v) else str(v) for v in merged["status_new"]]
    change = [change_of(o, n) for o, n in zip(old_status, new_status, strict=True)]
    out = pd.DataFrame(
        {
            "village_id": merged["village_id_new"].fillna(merged["village_id_old"]),
            "old_village_id": merged["village_id_old"].fillna(""),
            "village_name": merged["village_name_new"].fillna(merged["village_name_old"]),
            "commune": merged["commune_new"].fillna(merged["commune_old"]),
            "province": merged["province_new"].fillna(merged["province_old"]),
            "old_status": merged["status_old"].fillna(""),
            "new_status": merged["status_new"].fillna(""),
            "change": change,
            "old_covered_share": merged.get("covered_share_old"),
            "new_covered_share": merged.get("covered_share_new"),
        }
    )
    out = out.sort_values(["province", "change", "village_id"], kind="mergesort").reset_index(
        drop=True
    )
    counts = pd.crosstab(out["province"], out["change"]).reindex(
        columns=list(CHANGES), fill_value=0
    )
    dark_old = out["old_status"].isin(_GAPS).groupby(out["province"]).sum()
    dark_new = out["new_status"].isin(_GAPS).groupby(out["province"]).sum()
    provinces = counts.assign(dark_before=dark_old, dark_now=dark_new).reset_index()
    total = provinces.drop(columns=["province"]).sum().to_frame().T.assign(province="(all)")
    provinces = pd.concat([provinces, total[provinces.columns]], ignore_index=True)
    return Comparison(
        villages=out,
        provinces=provinces,
        matched_by=matched_by,
        notes=notes,
        unit=_unit_of(new_record or old_record),
    )
