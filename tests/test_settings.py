"""One typed configuration: file + environment, strict keys, degirum-face names where they fit."""

from __future__ import annotations

import pytest

import faceclips
from faceclips.faces import FaceDetection
from faceclips.plugins.filters.filters import Frontal, MinSize, Zone
from faceclips.settings import load_settings


def write(tmp_path, text: str):
    path = tmp_path / "faceclips.toml"
    path.write_text(text)
    return path


def test_sections_from_file_and_environment(tmp_path):
    path = write(tmp_path, """
[storage]
url = "file:///srv/clips/alerts"
[inference]
device_type = "ONNX/CPU"
[recognizer]
threshold = 0.6
[tracker]
source = "rtsp://cam1.local/stream"
camera_id = "door"
[[tracker.filters]]
filter = "min_size"
pixels = 48
[alerts]
mode = "unknowns"
pre_s = 3
[[alerts.notifiers]]
notifier = "webhook"
url = "https://hooks.example/faces"
timeout_s = 2
""")
    settings = load_settings(path, environ={"FACECLIPS_ALERTS_POST_S": "7.5", "FACECLIPS_TRACKER_SOURCE": "2"})
    assert settings.storage.url == "file:///srv/clips/alerts" and settings.inference.device_type == "ONNX/CPU"
    assert settings.tracker.source == 2 and settings.tracker.camera_id == "door"  # a camera index from the environment
    assert settings.tracker.filters == ({"filter": "min_size", "pixels": 48},)
    assert (settings.alerts.mode, settings.alerts.pre_s, settings.alerts.post_s) == ("unknowns", 3.0, 7.5)
    assert settings.alerts.notifiers == ({"notifier": "webhook", "url": "https://hooks.example/faces", "timeout_s": 2},)


def test_degirum_face_names_are_accepted(tmp_path):
    path = write(tmp_path, """
[recognizer]
cosine_similarity_threshold = 0.7
[tracker]
video_source = "door.mp4"
video_source_fps_override = 12.5
credence_count = 2
reid_expiration_frames = 8
face_filters = { enable_small_face_filter = true, min_face_size = 40, enable_frontal_filter = true }
[alerts]
alert_mode = "ON_KNOWNS"
notification_config = "https://hooks.example/x"
notification_timeout_s = 3
notification_message = "$name at $camera_id"
""")
    settings = load_settings(path, environ={})
    assert settings.recognizer.threshold == 0.7
    assert (settings.tracker.source, settings.tracker.fps, settings.tracker.credence_count, settings.tracker.reid_interval) == ("door.mp4", 12.5, 2, 8)
    assert settings.tracker.filters == ({"filter": "min_size", "pixels": 40}, {"filter": "frontal"})
    assert settings.alerts.mode == "knowns"
    assert settings.alerts.notifiers == ({"notifier": "webhook", "url": "https://hooks.example/x", "timeout_s": 3.0, "message": "$name at $camera_id"},)


@pytest.mark.parametrize(
    ("text", "environ", "error"),
    [
        ("[tracker]\nvideo_sauce = 1\n", {}, r"unknown setting \[tracker\] video_sauce; valid: .*camera_id"),
        ("[trackers]\n", {}, "unknown section"),
        ("[alerts]\nclip_duration = 100\n", {}, "use pre_s and post_s"),
        ("[alerts]\nmode = \"loud\"\n", {}, "none, unknowns, knowns, all"),
        ("[alerts]\npre_s = \"long\"\n", {}, r"\[alerts\] pre_s = 'long' is not a valid float"),
        ("[alerts]\nmessage = \"${time}\"\n", {}, r"\$time does not exist"),
        ("[recognizer]\nthreshold = 1.5\n", {}, r"threshold must be in \(0, 1\]"),
        ("", {"FACECLIPS_TRACKER_SOURCES": "x"}, "unknown environment variable FACECLIPS_TRACKER_SOURCES"),
        ("", {"FACECLIPS_RECOGNIZER_KEEP_CROPS": "maybe"}, "keep_crops = 'maybe' is not a valid bool"),
        ("[tracker]\ncamera_id = \"door/1\"\n", {}, "tracker camera_id must be one non-empty name segment"),
    ],
)
def test_mistakes_are_errors_naming_the_setting(tmp_path, text, environ, error):
    with pytest.raises(faceclips.ConfigError, match=error):
        load_settings(write(tmp_path, text), environ=environ)


def face(box, landmarks=((0, 0),) * 6) -> FaceDetection:
    return FaceDetection(box, 0.9, landmarks)


def test_builtin_filters():
    assert MinSize(40).keep(face((0, 0, 40, 50)), 640, 480) and not MinSize(40).keep(face((0, 0, 39, 80)), 640, 480)
    zone = Zone([[0, 0], [320, 0], [320, 480], [0, 480]])
    assert zone.keep(face((10, 10, 50, 50)), 640, 480) and not zone.keep(face((400, 10, 450, 50)), 640, 480)
    assert Zone([[0.5, 0], [1, 0], [1, 1], [0.5, 1]], normalized=True).keep(face((400, 10, 450, 50)), 640, 480)
    frontal = [(40, 40), (60, 40), (50, 52), (50, 65)]  # right eye, left eye, nose between, mouth below
    turned = [(40, 40), (60, 40), (66, 52), (50, 65)]  # the nose beyond the left eye: head turned
    assert Frontal().keep(face((30, 30, 70, 75), tuple(frontal)), 640, 480)
    assert not Frontal().keep(face((30, 30, 70, 75), tuple(turned)), 640, 480)
