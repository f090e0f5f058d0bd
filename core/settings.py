"""One typed configuration for the whole pipeline: storage, retention, inference, recognizer,
tracker and alerts, from (lowest to highest precedence) defaults, a TOML file
(``--config`` / ``$FACECLIPS_CONFIG``) and ``FACECLIPS_<SECTION>_<FIELD>`` variables.

Unknown sections, keys and variables are errors naming the valid ones. Where degirum-face's
field names make sense they are accepted as aliases (``video_source``, ``alert_mode``,
``cosine_similarity_threshold``, ``credence_count``, ``reid_expiration_frames``,
``notification_config``, ``face_filters`` …); names that cannot mean the same here (frame
counts such as ``clip_duration``) are rejected with the replacement to use.
"""

from __future__ import annotations

import os
import types
import typing
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Mapping, Optional, Union

from .alerts import AlertMode, MessageTemplate
from .config import ENV_CONFIG_FILE, StorageConfig, load_config, read_config_file
from .errors import ConfigError, InvalidNameError
from .identities import DEFAULT_THRESHOLD
from .inference import InferenceConfig
from .names import validate_segment
from .retention import RetentionConfig

__all__ = ["Settings", "RecognizerConfig", "TrackerConfig", "AlertsConfig", "load_settings"]


@dataclass(frozen=True)
class RecognizerConfig:
    """The identity database and how embeddings are matched against it."""

    db_path: str = "./faceclips-identities.duckdb"
    threshold: float = DEFAULT_THRESHOLD
    """Cosine similarity a match needs (alias ``cosine_similarity_threshold``)."""
    k: int = 20
    """Nearest stored embeddings looked at per query."""
    votes: int = 3
    """An identity scores the mean of its best ``votes`` similarities among those ``k``."""
    keep_crops: bool = True
    """Store the face crop beside each enrolled embedding (for review; biometric data)."""

    def __post_init__(self) -> None:
        if not 0 < self.threshold <= 1:
            raise ConfigError("recognizer threshold must be in (0, 1]")
        if self.k < 1 or self.votes < 1:
            raise ConfigError("recognizer k and votes must be positive")


@dataclass(frozen=True)
class TrackerConfig:
    """The live pipeline: source, tracking, filters and re-identification."""

    source: Union[str, int] = 0
    """A video file, an ``rtsp://`` URL or a camera index (alias ``video_source``)."""
    camera_id: str = "camera"
    """The first part of every clip key recorded from this source."""
    fps: float = 0.0
    """Override of the source's frame rate; 0 = the source's own (alias ``video_source_fps_override``)."""
    tracker: str = "bytetrack"
    """A registered tracker (``faceclips plugins``)."""
    lost_s: float = 2.0
    """How long a track survives without its face (occlusions shorter than this keep the id)."""
    credence_count: int = 3
    """Consecutive agreeing recognitions before a track's identity is trusted (and may alert)."""
    reid_interval: int = 16
    """Once trusted, a track is re-recognised every 2, 4, … up to this many frames (alias ``reid_expiration_frames``)."""
    filters: tuple[Mapping[str, Any], ...] = ()
    """Face filters in order: ``[[tracker.filters]]`` tables with ``filter = "min_size"`` and its settings."""

    def __post_init__(self) -> None:
        if isinstance(self.source, bool) or not isinstance(self.source, (str, int)) or (isinstance(self.source, int) and self.source < 0):
            raise ConfigError("tracker source must be a video file, a stream URL or a camera index (0, 1, …)")
        try:
            validate_segment(self.camera_id, "tracker camera_id")  # it starts every clip key: refused before a clip is recorded
        except InvalidNameError as exc:
            raise ConfigError(str(exc)) from None
        if self.fps < 0 or self.lost_s < 0:
            raise ConfigError("tracker fps and lost_s cannot be negative")
        if self.credence_count < 1 or self.reid_interval < 1:
            raise ConfigError("tracker credence_count and reid_interval must be at least 1")
        for table in self.filters:
            if not isinstance(table, Mapping) or not isinstance(table.get("filter"), str):
                raise ConfigError('each [[tracker.filters]] table needs filter = "<name>"')


@dataclass(frozen=True)
class AlertsConfig:
    """Who raises alerts, the clips they record and who is told."""

    mode: str = "none"
    """``none``, ``unknowns``, ``knowns`` or ``all`` (alias ``alert_mode``; ``ON_UNKNOWNS`` … accepted)."""
    cooldown_s: float = 60.0
    """At most one alert per person in this window, whatever the track ids."""
    pre_s: float = 5.0
    """Seconds of video before the alert in its clip."""
    post_s: float = 5.0
    """Seconds of video after the alert in its clip."""
    url_expires_s: int = 7 * 24 * 3600
    """Lifetime of the share URL in notifications (S3 allows at most 7 days)."""
    sidecar_embeddings: bool = False
    """Also write the embeddings (biometric data) into clip sidecars."""
    spool: str = ""
    """Folder where finished clips wait for upload; empty = ``~/.cache/faceclips/spool``."""
    notifiers: tuple[Mapping[str, Any], ...] = ({"notifier": "console"},)
    """``[[alerts.notifiers]]`` tables: ``notifier = "webhook"``, ``url = …``, ``timeout_s = 5`` …"""

    def __post_init__(self) -> None:
        object.__setattr__(self, "mode", AlertMode.parse(self.mode).value)
        if self.cooldown_s < 0 or self.pre_s < 0 or self.post_s < 0:
            raise ConfigError("alerts cooldown_s, pre_s and post_s cannot be negative")
        if not 1 <= self.url_expires_s <= 7 * 24 * 3600:
            raise ConfigError("alerts url_expires_s must be between 1 s and 7 days")
        for table in self.notifiers:
            if not isinstance(table, Mapping) or not isinstance(table.get("notifier"), str):
                raise ConfigError('each [[alerts.notifiers]] table needs notifier = "<name>"')
            if "message" in table:
                MessageTemplate(table["message"])


@dataclass(frozen=True)
class Settings:
    """Every section of a faceclips configuration."""

    storage: StorageConfig = field(default_factory=lambda: load_config(environ={}))
    retention: RetentionConfig = field(default_factory=RetentionConfig)
    inference: InferenceConfig = field(default_factory=InferenceConfig)
    recognizer: RecognizerConfig = field(default_factory=RecognizerConfig)
    tracker: TrackerConfig = field(default_factory=TrackerConfig)
    alerts: AlertsConfig = field(default_factory=AlertsConfig)


SECTION_TYPES = {"inference": InferenceConfig, "recognizer": RecognizerConfig, "tracker": TrackerConfig, "alerts": AlertsConfig}
ALIASES: dict[str, dict[str, str]] = {
    "recognizer": {"cosine_similarity_threshold": "threshold"},
    "tracker": {"video_source": "source", "video_source_fps_override": "fps", "reid_expiration_frames": "reid_interval"},
    "alerts": {"alert_mode": "mode", "notification_message": "message"},
    "inference": {"inference_host_address": "host", "model_zoo_url": "zoo", "hardware": "device_type"},
}
REJECTED = {
    "clip_duration": "clip lengths are seconds here: use pre_s and post_s",
    "alert_once": "alerts are once per person per cooldown_s",
    "live_stream_mode": "display is not part of faceclips; use faceclips track's live counts",
    "embeddings_accumulation_limit": "face summaries keep a few representative embeddings per track",
}


def _convert(section: str, name: str, hint: Any, value: Any) -> Any:
    """Coerce a TOML or environment value to a field's type, or raise naming the field."""
    origin = typing.get_origin(hint)
    if origin in (Union, types.UnionType):
        if isinstance(value, str) and value.isdigit() and int in typing.get_args(hint):
            return int(value)
        return value
    try:
        if hint is bool:
            if isinstance(value, str):
                if value.lower() not in ("1", "0", "true", "false", "yes", "no"):
                    raise ValueError(value)
                return value.lower() in ("1", "true", "yes")
            if not isinstance(value, bool):
                raise ValueError(value)
            return value
        if hint in (int, float):
            if isinstance(value, bool):
                raise ValueError(value)
            number = hint(value)
            if hint is int and isinstance(value, float) and value != number:
                raise ValueError(value)
            return number
        if hint is str:
            if not isinstance(value, (str, int)) or isinstance(value, bool):
                raise ValueError(value)
            return str(value)
        if origin is tuple:
            if not isinstance(value, (list, tuple)):
                raise ValueError(value)
            return tuple(value)
    except (TypeError, ValueError):
        raise ConfigError(f"[{section}] {name} = {value!r} is not a valid {getattr(hint, '__name__', hint)}") from None
    return value


def _section(section: str, table: Mapping[str, Any], base: Any, source: str) -> Any:
    cls = type(base)
    hints = typing.get_type_hints(cls)
    known = {f.name for f in fields(cls)}
    values: dict[str, Any] = {}
    extra_notifier: Optional[dict[str, Any]] = None
    for key, value in table.items():
        if key in REJECTED:
            raise ConfigError(f"{source}: [{section}] {key} is not supported: {REJECTED[key]}")
        if section == "alerts" and key in ("notification_config", "notification_timeout_s"):
            extra_notifier = extra_notifier or {}
            extra_notifier[key] = value
            continue
        if section == "tracker" and key == "face_filters":
            values["filters"] = _reference_filters(value, source)
            continue
        name = ALIASES.get(section, {}).get(key, key)
        if section == "alerts" and name == "message":
            MessageTemplate(value)
            values["notifiers"] = tuple({**n, "message": value} for n in values.get("notifiers", base.notifiers))
            continue
        if name not in known:
            valid = sorted(known | set(ALIASES.get(section, {})) | ({"message"} if section == "alerts" else set()))
            raise ConfigError(f"{source}: unknown setting [{section}] {key}; valid: {', '.join(valid)}")
        values[name] = _convert(section, name, hints[name], value)
    if extra_notifier:  # degirum-face's single notifier replaces the default console
        message = next((n["message"] for n in values.get("notifiers", ()) if "message" in n), None)
        values["notifiers"] = ({**_reference_notifier(extra_notifier), **({"message": message} if message else {})},)
    if section == "tracker" and "fps" in values and values["fps"] is not None and float(values["fps"]) <= 0:
        values["fps"] = 0.0
    try:
        return replace(base, **values)
    except TypeError as exc:
        raise ConfigError(f"{source}: [{section}] {exc}") from None


def _reference_filters(table: Any, source: str) -> tuple[dict[str, Any], ...]:
    """degirum-face's ``face_filters`` table as filter tables."""
    if not isinstance(table, Mapping):
        raise ConfigError(f"{source}: [tracker] face_filters must be a table")
    filters: list[dict[str, Any]] = []
    if table.get("enable_small_face_filter") and table.get("min_face_size", 0):
        filters.append({"filter": "min_size", "pixels": table["min_face_size"]})
    if table.get("enable_zone_filter"):
        filters.append({"filter": "zone", "polygon": table.get("zone", [])})
    if table.get("enable_frontal_filter"):
        filters.append({"filter": "frontal"})
    unknown = set(table) - {"enable_small_face_filter", "min_face_size", "enable_zone_filter", "zone", "enable_frontal_filter",
                            "enable_shift_filter", "enable_reid_expiration_filter", "reid_expiration_frames"}
    if unknown:
        raise ConfigError(f"{source}: unknown face_filters key(s) {', '.join(sorted(unknown))}")
    return tuple(filters)


def _reference_notifier(table: Mapping[str, Any]) -> dict[str, Any]:
    """degirum-face's ``notification_config`` string as a notifier table."""
    config = str(table.get("notification_config", "json://console"))
    if config == "json://console":
        return {"notifier": "console"}
    if config.startswith(("http://", "https://")):
        result: dict[str, Any] = {"notifier": "webhook", "url": config}
        if table.get("notification_timeout_s"):
            result["timeout_s"] = float(table["notification_timeout_s"])
        return result
    return {"notifier": "apprise", "config": config} if os.path.isfile(config) else {"notifier": "apprise", "urls": config}


def load_settings(config_file: Optional[Union[str, "os.PathLike[str]"]] = None, environ: Optional[Mapping[str, str]] = None) -> Settings:
    """The whole configuration: defaults < file < environment."""
    env = dict(os.environ if environ is None else environ)
    path = config_file or env.get(ENV_CONFIG_FILE)
    data = read_config_file(Path(path)) if path else {}
    source = os.fspath(path) if path else "environment"
    settings = Settings(storage=load_config(path, environ=env))
    retention = data.get("retention", {})
    if retention:
        settings = replace(settings, retention=RetentionConfig.from_mapping(retention, source=source))
    for section in SECTION_TYPES:
        table = data.get(section, {})
        if not isinstance(table, Mapping):
            raise ConfigError(f"{source}: [{section}] must be a table")
        current = _section(section, table, getattr(settings, section), source)
        prefix = f"FACECLIPS_{section.upper()}_"
        from_env = {key[len(prefix):].lower(): value for key, value in env.items() if key.startswith(prefix)}
        scalars = {f.name for f in fields(type(current)) if typing.get_origin(typing.get_type_hints(type(current))[f.name]) is not tuple}
        for key in from_env:
            if key not in scalars:
                raise ConfigError(f"unknown environment variable {prefix}{key.upper()}; valid: {', '.join(prefix + s.upper() for s in sorted(scalars))}")
        if from_env:
            current = _section(section, from_env, current, "environment")
        settings = replace(settings, **{section: current})
    return settings

