"""Retention: which clips go, planned before anything is removed.

A :class:`RetentionConfig` holds rules (registered retention policies, each optionally
scoped to a key prefix or applied per camera) and a safety threshold. :class:`Retention`
lists the bucket once, lets each rule select clips (oldest first; later rules see only the
clips earlier rules left), drops kept and vetoed clips, and returns a :class:`RetentionPlan`.
``apply`` removes in batches what a fresh plan still selects — never more than an approved
plan, never a clip kept since — so an interrupted run can simply be run again.

Kept clips (legal hold) carry a ``<key>.keep`` marker object: a clip part like any other,
so the marker arrives with the listing and costs no request per clip; the core vetoes
removing any part of a kept clip.
"""

from __future__ import annotations

import logging
import os
import time
from itertools import chain
from operator import itemgetter
from dataclasses import dataclass, field
from typing import Any, Mapping, NamedTuple, Optional, Union

from .clipmanager import gc_paused
from .clips import Clip
from .errors import ConfigError, FaceclipsError, StorageError
from .pluginmanager import PluginManager
from .units import format_size

__all__ = [
    "RetentionRule",
    "RetentionConfig",
    "PlannedRemoval",
    "RetentionPlan",
    "ApplyReport",
    "Retention",
    "RetentionRefusedError",
    "load_retention_config",
]

log = logging.getLogger("faceclips.retention")

GENERIC_KEYS = {"policy", "prefix", "per"}
PER_CHOICES = ("camera",)


class RetentionRefusedError(FaceclipsError):
    """The plan would remove more than the configured share of all clips; nothing was removed."""


@dataclass(frozen=True)
class RetentionRule:
    """One registered policy with its settings, optionally scoped to ``prefix`` or applied ``per`` camera."""

    policy: str
    settings: Mapping[str, Any] = field(default_factory=dict)
    prefix: str = ""
    per: Optional[str] = None

    def __post_init__(self) -> None:
        if self.per is not None and self.per not in PER_CHOICES:
            raise ConfigError(f"retention rule per={self.per!r}; choose one of: {', '.join(PER_CHOICES)}")

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> "RetentionRule":
        """``{"policy": "max_age", "max_age": "30d", "prefix": "cam1/"}``."""
        if "policy" not in data:
            raise ConfigError(f"retention rule {dict(data)!r} has no 'policy'")
        settings = {key: value for key, value in data.items() if key not in GENERIC_KEYS}
        return cls(str(data["policy"]), settings, str(data.get("prefix", "")), data.get("per"))

    @property
    def label(self) -> str:
        """``max_age(max_age=30d) on cam1/ per camera``: how plans name the rule."""
        settings = ", ".join(f"{key}={value}" for key, value in self.settings.items())
        text = f"{self.policy}({settings})"
        if self.prefix:
            text += f" on {self.prefix}"
        if self.per:
            text += f" per {self.per}"
        return text

    def build(self, plugins: PluginManager) -> Any:
        spec = plugins.get_retention_policy(self.policy)
        try:
            policy = spec.load_factory()(**self.settings)
        except TypeError as exc:
            raise ConfigError(f"retention rule {self.label}: {exc}") from None
        if not callable(getattr(policy, "select", None)):
            raise ConfigError(f"retention policy {self.policy!r} built an object without select(clips, now)")
        return policy


@dataclass(frozen=True)
class RetentionConfig:
    """Rules plus the safety threshold (Frigate's default share: 50%)."""

    rules: tuple[RetentionRule, ...] = ()
    max_share: float = 0.5
    """Refuse to remove more than this share of all clips in one run unless forced."""
    batch_size: int = 1000

    def __post_init__(self) -> None:
        if not 0 < self.max_share <= 1:
            raise ConfigError("retention max_share must be in (0, 1]")
        if self.batch_size < 1:
            raise ConfigError("retention batch_size must be positive")

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], source: str = "retention") -> "RetentionConfig":
        """The ``[retention]`` table: ``max_share``, ``batch_size`` and ``[[retention.rules]]``."""
        unknown = sorted(set(data) - {"rules", "max_share", "batch_size"})
        if unknown:
            raise ConfigError(f"{source}: unknown retention setting(s) {', '.join(unknown)}; valid: batch_size, max_share, rules")
        rules = data.get("rules", [])
        if not isinstance(rules, list) or not all(isinstance(rule, Mapping) for rule in rules):
            raise ConfigError(f"{source}: retention rules must be a list of tables ([[retention.rules]])")
        return cls(
            tuple(RetentionRule.from_mapping(rule) for rule in rules),
            float(data.get("max_share", 0.5)),
            int(data.get("batch_size", 1000)),
        )


def load_retention_config(config_file: Optional[Union[str, "os.PathLike[str]"]] = None, environ: Optional[Mapping[str, str]] = None) -> RetentionConfig:
    """The ``[retention]`` table of the configuration file (``--config``/``$FACECLIPS_CONFIG``)."""
    from .config import ENV_CONFIG_FILE, read_config_file

    env = os.environ if environ is None else environ
    path = config_file or env.get(ENV_CONFIG_FILE)
    if not path:
        return RetentionConfig()
    table = read_config_file(path).get("retention", {})
    if not isinstance(table, Mapping):
        raise ConfigError(f"{os.fspath(path)}: [retention] must be a table")
    return RetentionConfig.from_mapping(table, source=os.fspath(path))


class PlannedRemoval(NamedTuple):
    """One clip the plan removes, why, and what it frees."""

    key: str
    rule: str
    reason: str
    size: int
    mtime: float
    object_names: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "rule": self.rule, "reason": self.reason, "bytes": self.size, "mtime": self.mtime, "objects": list(self.object_names)}


@dataclass
class RetentionPlan:
    """Every clip that would go (oldest first), the clips kept despite a rule, and totals."""

    removals: list[PlannedRemoval]
    kept: dict[str, list[str]]
    clips_total: int
    bytes_total: int
    planned_at: float

    @property
    def bytes_freed(self) -> int:
        return sum(removal.size for removal in self.removals)

    @property
    def share(self) -> float:
        """Share of all clips the plan removes."""
        return len(self.removals) / self.clips_total if self.clips_total else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "clips_total": self.clips_total,
            "bytes_total": self.bytes_total,
            "clips_removed": len(self.removals),
            "bytes_freed": self.bytes_freed,
            "share": round(self.share, 6),
            "removals": [removal.to_dict() for removal in self.removals],
            "kept": self.kept,
        }


@dataclass
class ApplyReport:
    """What ``apply`` did, clip by clip."""

    removed: list[PlannedRemoval] = field(default_factory=list)
    failed: dict[str, StorageError] = field(default_factory=dict)
    kept: dict[str, list[str]] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    """Clips of an approved plan that a fresh plan no longer selects (kept since, or gone)."""

    @property
    def bytes_freed(self) -> int:
        return sum(removal.size for removal in self.removed)

    def to_dict(self) -> dict[str, Any]:
        return {
            "clips_removed": len(self.removed),
            "bytes_freed": self.bytes_freed,
            "removed": [removal.to_dict() for removal in self.removed],
            "failed": {name: str(error) for name, error in self.failed.items()},
            "kept": self.kept,
            "skipped": self.skipped,
        }


class Retention:
    """Plan and apply a :class:`RetentionConfig` on one manager's bucket."""

    def __init__(self, manager: Any, config: RetentionConfig) -> None:
        if not config.rules:
            raise ConfigError("no retention rules configured")
        self.manager = manager
        self.config = config
        self.policies = [(rule, rule.build(manager.plugins)) for rule in config.rules]

    def plan(self, now: Optional[float] = None) -> RetentionPlan:
        """List once and decide; nothing is removed."""
        moment = time.time() if now is None else now
        with gc_paused():
            # The listing's records die with _plan's frame, before the collector runs again.
            return self._plan(moment)

    def _plan(self, moment: float) -> RetentionPlan:
        clips = sorted(self.manager.iter_clips(), key=_clip_time)  # oldest first; ties keep listing order
        chosen: dict[str, tuple[Clip, str, str]] = {}
        for rule, policy in self.policies:
            if rule.prefix or chosen:
                scope = [clip for clip in clips if clip.key not in chosen and clip.key.startswith(rule.prefix)]
            else:
                scope = clips
            groups: dict[str, list[Clip]] = {}
            if rule.per == "camera":
                for clip in scope:
                    groups.setdefault(clip.key.partition("/")[0], []).append(clip)
            else:
                groups[""] = scope
            for group in groups.values():
                for clip, reason in policy.select(group, moment):
                    chosen.setdefault(clip.key, (clip, rule.label, str(reason)))
        removals: list[PlannedRemoval] = []
        kept: dict[str, list[str]] = {}
        vetoes = self.manager.vetoes
        single = len(self.policies) == 1 and self.policies[0][0].per is None  # already oldest first
        ordered = chosen.values() if single else sorted(chosen.values(), key=lambda item: item[0].mtime)
        for clip, label, reason in ordered:
            names = [info[0] for info in clip.values()]
            refused = vetoes(clip.key, names, clip)
            if refused:
                kept[clip.key] = refused
                continue
            removals.append(PlannedRemoval(clip.key, label, reason, sum(info[1] for info in clip.values()), clip.mtime, tuple(names)))
        total = sum(map(_size_of, chain.from_iterable(map(dict.values, clips))))
        return RetentionPlan(removals, kept, len(clips), total, moment)

    def apply(self, approved: Optional[RetentionPlan] = None, *, force: bool = False, now: Optional[float] = None) -> ApplyReport:
        """Remove what a fresh plan selects (limited to ``approved`` when given), in batches.

        Raises :class:`RetentionRefusedError` when that is more than ``max_share`` of all
        clips and ``force`` is false. Missing objects count as removed, so a run that was
        interrupted can be run again.
        """
        fresh = self.plan(now)
        report = ApplyReport(kept=dict(fresh.kept))
        removals = fresh.removals
        if approved is not None:
            allowed = {removal.key for removal in approved.removals}
            now_selected = {removal.key for removal in removals}
            report.skipped = sorted(allowed - now_selected)
            removals = [removal for removal in removals if removal.key in allowed]
        share = len(removals) / fresh.clips_total if fresh.clips_total else 0.0
        if share > self.config.max_share and not force:
            raise RetentionRefusedError(
                f"retention would remove {len(removals)} of {fresh.clips_total} clips ({share:.0%}), more than "
                f"max_share {self.config.max_share:.0%}; nothing was removed (review with 'faceclips retention plan', "
                "then apply with --force)"
            )
        batch: list[PlannedRemoval] = []
        count = 0
        for removal in removals:
            batch.append(removal)
            count += len(removal.object_names)
            if count >= self.config.batch_size:
                self._remove(batch, report)
                batch, count = [], 0
        if batch:
            self._remove(batch, report)
        log.info("retention removed %d clip(s), %s", len(report.removed), format_size(report.bytes_freed))
        return report

    def _remove(self, batch: list[PlannedRemoval], report: ApplyReport) -> None:
        outcome = self.manager.storage.delete_many([name for removal in batch for name in removal.object_names])
        for removal in batch:
            failed = [name for name in removal.object_names if name in outcome.failed]
            for name in failed:
                report.failed[name] = outcome.failed[name]
            if not failed:
                report.removed.append(removal)
                self.manager.plugins.hook.faceclips_clip_removed(
                    manager=self.manager, clip_key=removal.key, object_names=list(removal.object_names)
                )


_clip_time = Clip.mtime.fget  # type: ignore[attr-defined]
_size_of = itemgetter(1)
