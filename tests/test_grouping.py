"""Clip grouping: the exact suffix of the object's own file name decides."""

from __future__ import annotations

import pytest

import faceclips
from faceclips.clipparts import ClipClassifier, CorePartsPlugin


@pytest.fixture
def classify():
    return ClipClassifier(list(CorePartsPlugin().faceclips_clip_parts())).classify


@pytest.mark.parametrize(
    "name, expected",
    [
        ("door.mp4", ("door", "original")),
        ("door_annotated.mp4", ("door", "annotated")),
        ("door.json", ("door", "json")),
        ("cam1/2026/x.mp4", ("cam1/2026/x", "original")),
        # a folder named like the suffix does not make its contents annotated
        ("lobby_annotated/clip.mp4", ("lobby_annotated/clip", "original")),
        ("lobby_annotated/clip_annotated.mp4", ("lobby_annotated/clip", "annotated")),
        # "_annotated" elsewhere in the clip's own name is part of the key
        ("door_annotated_2.mp4", ("door_annotated_2", "original")),
        ("x_annotated_annotated.mp4", ("x_annotated", "annotated")),
        ("2024.01.01_cam.mp4", ("2024.01.01_cam", "original")),
        ("video_12.00.00.json", ("video_12.00.00", "json")),
        # the file name must be more than the suffix
        ("_annotated.mp4", ("_annotated", "original")),
        ("cam/_annotated.mp4", ("cam/_annotated", "original")),
        ("a.mp4.json", ("a.mp4", "json")),
    ],
)
def test_classification(classify, name, expected):
    assert tuple(classify(name)) == expected


@pytest.mark.parametrize("name", [".mp4", "cam/.mp4", ".json", "door.MP4", "door.avi", "notes.txt", "door.mp4.tmp", "cam/"])
def test_other_objects_are_not_clip_parts(classify, name):
    assert classify(name) is None


def test_listing_groups_and_ignores_other_objects(manager):
    storage = manager.storage
    for name in [
        "door.mp4", "door_annotated.mp4", "door.json",
        "door_annotated_2.mp4",
        "lobby_annotated/clip.mp4",
        "2024.01.01_cam.mp4",
        "x.json",  # a sidecar alone is still reported, under its own key
        "readme.txt", "cam/snap.jpg",
    ]:
        storage.put_bytes(name, name.encode())
    clips = manager.list_clips()
    assert list(clips) == sorted(["door", "door_annotated_2", "lobby_annotated/clip", "2024.01.01_cam", "x"])
    assert set(clips["door"]) == {"original", "annotated", "json"}
    assert clips["door"]["annotated"].object_name == "door_annotated.mp4"
    assert set(clips["door_annotated_2"]) == {"original"}
    assert set(clips["x"]) == {"json"}
    assert clips["door"]["original"].size == len(b"door.mp4")


def test_keys_that_prefix_each_other_are_grouped_in_a_streaming_pass(manager):
    # x_1 sorts between x.mp4 and x_annotated.mp4: parts of x are not adjacent in key order
    names = ["x.json", "x.mp4", "x_1.mp4", "x_1_annotated.mp4", "x_annotated.mp4", "x_b/y.mp4", "xy.mp4"]
    for name in names:
        manager.storage.put_bytes(name, b"v")
    clips = {clip.key: set(clip) for clip in manager.iter_clips()}
    assert clips == {
        "x": {"json", "original", "annotated"},
        "x_1": {"original", "annotated"},
        "x_b/y": {"original"},
        "xy": {"original"},
    }


def test_a_plugin_adds_a_part_kind(manager, install_plugin):
    install_plugin(
        "faceclips-thumbnails",
        {"thumbs_plugin": """
            import faceclips
            @faceclips.hookimpl
            def faceclips_clip_parts():
                yield faceclips.ClipPartSpec("thumbnail", ".jpg")
        """},
        {"thumbnails": "thumbs_plugin"},
    )
    faceclips.reset_plugin_manager()
    with_thumbs = faceclips.FaceClipManager(storage=manager.storage)
    for name in ("door.mp4", "door.jpg"):
        with_thumbs.storage.put_bytes(name, b"v")
    assert set(with_thumbs.list_clips()["door"]) == {"original", "thumbnail"}
    assert with_thumbs.object_name("door.jpg") == "door.jpg"  # a part name gets no .mp4


def test_a_plugin_classifier_runs_before_the_suffix_rules(manager, install_plugin):
    install_plugin(
        "faceclips-upper",
        {"upper_plugin": """
            import faceclips
            @faceclips.hookimpl
            def faceclips_classify_object(object_name):
                if object_name.endswith(".MP4"):
                    return faceclips.ClipPartMatch(object_name[:-4], "original")
                if object_name.startswith("private/"):
                    return faceclips.ClipPartMatch("", "")  # hidden from clip listings
                return None
        """},
        {"upper": "upper_plugin"},
    )
    faceclips.reset_plugin_manager()
    custom = faceclips.FaceClipManager(storage=manager.storage)
    for name in ("CAM.MP4", "cam.json", "private/a.mp4"):
        custom.storage.put_bytes(name, b"v")
    clips = custom.list_clips()
    assert set(clips) == {"CAM", "cam"}
    assert clips["CAM"]["original"].object_name == "CAM.MP4"


def test_conflicting_part_suffixes_name_both_plugins(install_plugin):
    source = """
        import faceclips
        @faceclips.hookimpl
        def faceclips_clip_parts():
            yield faceclips.ClipPartSpec("{part}", ".json")
    """
    install_plugin("faceclips-meta", {"meta_plugin": source.format(part="meta")}, {"meta": "meta_plugin"})
    with pytest.raises(faceclips.PluginConflictError, match=r"'\.json'.*'faceclips\.core'.*'meta'"):
        faceclips.get_plugin_manager().clip_parts()


def reference_grouping(names, classify):
    """The obvious, non-streaming definition of grouping."""
    clips: dict = {}
    for name in names:
        match = classify(name)
        if match is not None:
            clips.setdefault(match.key, {})[match.part] = name
    return clips


@pytest.mark.parametrize("backend", ["memory", "local"])
@pytest.mark.parametrize("seed", range(40))
def test_streaming_grouping_equals_the_reference_on_random_names(seed, backend, classify, tmp_path):
    import random

    rng = random.Random(seed)
    stems = ["a", "a_1", "a.b", "a_annotated", "ab", "a/b", "a_b/c", "x", "x.json", "x_annotated_annotated", "é", "a.js"]
    suffixes = [".mp4", "_annotated.mp4", ".json", ".txt", "", "_annotated.json", ".mp4.json", "/y.mp4"]
    names = {rng.choice(stems) + rng.choice(stems[:4]) * rng.randint(0, 1) + rng.choice(suffixes) for _ in range(rng.randint(1, 40))}
    names = {n for n in names if n and not n.endswith("/") and "//" not in n}
    if backend == "local":  # a folder cannot also be a file: drop names that are another's folder
        names = {n for n in names if not any(other.startswith(n + "/") for other in names)}
        storage = faceclips.open_storage((tmp_path / "random").as_uri())
    else:
        storage = faceclips.open_storage(f"memory://random{seed}")
    storage.ensure_bucket()
    for name in names:
        storage.put_bytes(name, b"x")
    manager = faceclips.FaceClipManager(storage=storage)
    expected = reference_grouping(sorted(names), classify)
    streamed = {clip.key: {part: info.object_name for part, info in clip.items()} for clip in manager.iter_clips()}
    assert streamed == expected
    assert list(manager.list_clips()) == sorted(expected)
