"""Image folders as ``--data DIR``: torchvision ImageFolder's reading rules (checked by hand:
torchvision is not installed), the train/ + test/ layout, decoding to float32 (N, C, H, W) in
[0, 1], one-line errors for every bad folder, and ``numtorch train`` / ``numtorch predict``
end to end. The images are tiny (8x8) PNG/JPEG files written with Pillow."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import numtorch
from numtorch.cli import data, image_folder, predict
from numtorch.cli.config import UsageError
from numtorch.cli.main import main

SIZE = 8


def _save(path: Path, pixels: np.ndarray, mode: str | None = None) -> Path:
    """Write ``pixels`` (H, W) or (H, W, 3) as an image file (format from the suffix)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.fromarray(pixels)
    (image.convert(mode) if mode else image).save(path)
    return path


def _gray(value: int, size: int = SIZE) -> np.ndarray:
    return np.full((size, size), value, dtype=np.uint8)


def _folder(root: Path, classes: dict[str, int], seed: int = 0) -> Path:
    """``root/<class>/<i>.png``: RGB images whose brightness tells the class apart."""
    rng = np.random.default_rng(seed)
    for k, (name, count) in enumerate(classes.items()):
        for i in range(count):
            pixels = rng.integers(0, 60, (SIZE, SIZE, 3)) + 150 * k
            _save(root / name / f"{i:02d}.png", pixels.astype(np.uint8))
    return root


def _one_line_error(capsys, code: int, *messages: str) -> str:
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    for message in messages:
        assert message in err, err
    return err


# --- torchvision's ImageFolder rules ---------------------------------------------------------


def test_listing_follows_imagefolder_rules(tmp_path: Path) -> None:
    """Classes: sorted subfolder names (code-point order, so 'Zebra' < 'ant'). Files: a sorted
    recursive walk (folders sorted by path string: 'sub' < 'sub-2' < 'sub/deeper'), names
    sorted, extensions of any case; other files, hidden files and hidden folders skipped."""
    g = _gray(0)
    for rel in (
        "ant/1.png",
        "Zebra/x.jpeg",
        "cat/b.png",
        "cat/B.png",
        "cat/a.PNG",
        "cat/sub/0.jpg",
        "cat/sub-2/0.JPEG",
        "cat/sub/deeper/0.bmp",
        "cat/.hidden.png",
        "cat/.cache/0.png",
        ".ipynb_checkpoints/0.png",
        "stray.png",  # beside the class folders: not in any class
    ):
        _save(tmp_path / rel, g)
    (tmp_path / "cat" / "notes.txt").write_text("not an image")
    (tmp_path / "cat" / "anim.gif").write_bytes(b"GIF89a")  # .gif is not an ImageFolder type
    train, test = image_folder.list_folder(str(tmp_path))
    assert test is None
    assert train.classes == ["Zebra", "ant", "cat"]
    assert train.files == [
        "Zebra/x.jpeg",
        "ant/1.png",
        "cat/B.png",
        "cat/a.PNG",
        "cat/b.png",
        "cat/sub/0.jpg",
        "cat/sub-2/0.JPEG",
        "cat/sub/deeper/0.bmp",
    ]
    assert train.targets.tolist() == [0, 1, 2, 2, 2, 2, 2, 2]


def test_every_imagefolder_extension_is_read(tmp_path: Path) -> None:
    for k, ext in enumerate(image_folder.IMG_EXTENSIONS):
        _save(tmp_path / "c" / f"{k}{ext.upper() if k % 2 else ext}", _gray(10 * k), "L")
    train, _ = image_folder.list_folder(str(tmp_path))
    assert len(train.files) == 9
    (images,) = image_folder.decode([train])
    means = {f: float(x.mean()) for f, x in zip(train.files, images.x)}
    for k, ext in enumerate(image_folder.IMG_EXTENSIONS):
        if ext not in (".jpg", ".jpeg", ".webp"):  # lossless formats keep the value exactly
            name = f"c/{k}{ext.upper() if k % 2 else ext}"
            assert means[name] == pytest.approx(10 * k / 255, abs=1e-6), name


# --- decoding --------------------------------------------------------------------------------


def test_grayscale_folders_have_one_channel_in_unit_range(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, (SIZE, SIZE)).astype(np.uint8)
    _save(tmp_path / "a" / "l.png", pixels)
    wide = (rng.integers(0, 65536, (SIZE, SIZE))).astype(np.uint16)
    _save(tmp_path / "a" / "wide.png", wide)  # 16-bit: Pillow's I;16
    _save(tmp_path / "b" / "one.png", pixels >= 128)  # 1-bit (mode '1')
    _save(tmp_path / "b" / "la.png", pixels, "LA")  # gray + alpha: the alpha is dropped
    train, _ = image_folder.list_folder(str(tmp_path))
    (images,) = image_folder.decode([train])
    x = images.x
    assert x.shape == (4, 1, SIZE, SIZE) and x.dtype == np.float32
    np.testing.assert_array_equal(x[0, 0], pixels.astype(np.float32) / 255)
    np.testing.assert_allclose(x[1, 0], wide / 65535, rtol=1e-6)
    assert train.files[2:] == ["b/la.png", "b/one.png"]
    np.testing.assert_array_equal(x[2, 0], pixels.astype(np.float32) / 255)
    np.testing.assert_array_equal(x[3, 0], np.where(pixels >= 128, 1.0, 0.0))


def test_one_colour_image_makes_every_image_rgb(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    rgb = rng.integers(0, 256, (SIZE, SIZE, 3)).astype(np.uint8)
    gray = rng.integers(0, 256, (SIZE, SIZE)).astype(np.uint8)
    _save(tmp_path / "a" / "gray.png", gray)
    _save(tmp_path / "a" / "rgb.png", rgb)
    _save(tmp_path / "b" / "palette.png", rgb, "P")
    _save(tmp_path / "b" / "rgba.png", np.dstack([rgb, np.zeros_like(gray)]))
    _save(tmp_path / "b" / "photo.jpg", rgb)
    train, _ = image_folder.list_folder(str(tmp_path))
    assert train.files == ["a/gray.png", "a/rgb.png", "b/palette.png", "b/photo.jpg", "b/rgba.png"]
    (images,) = image_folder.decode([train])
    x = images.x
    assert x.shape == (5, 3, SIZE, SIZE) and x.dtype == np.float32
    assert 0.0 <= x.min() and x.max() <= 1.0
    for c in range(3):  # grayscale repeated over the channels
        np.testing.assert_array_equal(x[0, c], gray / np.float32(255))
    chw = rgb.transpose(2, 0, 1) / np.float32(255)
    np.testing.assert_array_equal(x[1], chw)
    for i, name in ((2, "palette.png"), (3, "photo.jpg")):  # as Pillow decodes them to RGB
        with Image.open(tmp_path / "b" / name) as image:
            expected = np.asarray(image.convert("RGB")).transpose(2, 0, 1) / np.float32(255)
        np.testing.assert_array_equal(x[i], expected)
    np.testing.assert_array_equal(x[4], chw)  # transparent pixels keep their colour


# --- layouts ---------------------------------------------------------------------------------


def test_train_and_test_folders_are_the_splits(tmp_path: Path) -> None:
    _folder(tmp_path / "train", {"cat": 5, "dog": 3})
    _folder(tmp_path / "test", {"cat": 2, "dog": 2}, seed=1)
    (tmp_path / "val").mkdir()  # beside train/ and test/: ignored
    d = data.load("digits", None, str(tmp_path))
    assert d.classes == ["cat", "dog"] and d.num_classes == 2
    assert d.y_train.numpy().tolist() == [0] * 5 + [1] * 3
    assert d.y_test.numpy().tolist() == [0, 0, 1, 1]
    (raw,) = image_folder.decode([image_folder.list_folder(str(tmp_path / "train"))[0]])
    mean, std = data.statistics(raw.x)  # the training split's statistics only
    np.testing.assert_allclose(d.mean, mean, rtol=1e-6)
    np.testing.assert_allclose(
        d.x_train.numpy(), (raw.x - mean[:, None, None]) / std[:, None, None], atol=1e-5
    )
    assert d.describe() == f"{tmp_path.name}, 8 train / 4 test samples of 3x8x8, 2 classes"


def test_one_folder_holds_out_the_test_set_as_an_npz_does(tmp_path: Path) -> None:
    _folder(tmp_path / "pets", {"cat": 6, "dog": 4})
    train, _ = image_folder.list_folder(str(tmp_path / "pets"))
    (images,) = image_folder.decode([train])
    np.savez(tmp_path / "pets.npz", x_train=images.x, y_train=train.targets)
    folder = data.load("digits", None, str(tmp_path / "pets"))
    npz = data.load("digits", None, str(tmp_path / "pets.npz"))
    for name in ("x_train", "y_train", "x_test", "y_test"):
        np.testing.assert_array_equal(getattr(folder, name).numpy(), getattr(npz, name).numpy())
    np.testing.assert_array_equal(folder.mean, npz.mean)
    assert folder.classes == ["cat", "dog"] and npz.classes is None
    assert len(folder.y_test) == 2  # 20% of 10


# --- one-line errors -------------------------------------------------------------------------


def _train_error(capsys, folder: Path, *messages: str) -> str:
    code = main(["train", "--data", str(folder), "--out", str(folder.parent / "out")])
    err = _one_line_error(capsys, code, *messages)
    assert not (folder.parent / "out").exists()
    return err


def test_train_and_test_classes_must_agree(tmp_path: Path, capsys) -> None:
    _folder(tmp_path / "d" / "train", {"cat": 2, "dog": 2})
    _folder(tmp_path / "d" / "test", {"cat": 2, "fox": 2})
    _train_error(capsys, tmp_path / "d", "only train/ has ['dog']", "only test/ has ['fox']")


def test_mixed_sizes_are_refused_naming_two_files(tmp_path: Path, capsys) -> None:
    _folder(tmp_path / "d", {"cat": 2, "dog": 1})
    _save(tmp_path / "d" / "dog" / "big.png", _gray(0, 16)[:, :12])
    _train_error(capsys, tmp_path / "d", "cat/00.png is 8x8", "dog/big.png is 12x16", "width x")


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_a_corrupt_image_is_refused_by_name(tmp_path: Path, damage: str, capsys) -> None:
    _folder(tmp_path / "d", {"cat": 3, "dog": 3})
    bad = tmp_path / "d" / "dog" / "01.png"
    whole = bad.read_bytes()
    bad.write_bytes(b"not a png at all" if damage == "garbage" else whole[: len(whole) // 2])
    err = _train_error(capsys, tmp_path / "d", "cannot read image", str(bad))
    assert "PIL" not in err


@pytest.mark.parametrize(
    "layout, message",
    [
        ({"cat/0.png": True, "dog/notes.txt": False}, "class folder(s) dog hold no images"),
        ({"0.png": True, "1.png": True}, "has no class subfolders"),
        ({}, "has no class subfolders"),
        (
            {"train/cat/0.png": True, "test/cat/readme.md": False},
            "class folder(s) cat in test/ hold",
        ),
        ({"train/0.png": True, "test/cat/0.png": True}, "/train' has no class subfolders"),
    ],
)
def test_folders_without_images_are_refused(tmp_path: Path, layout, message, capsys) -> None:
    root = tmp_path / "d"
    root.mkdir()
    for rel, is_image in layout.items():
        if is_image:
            _save(root / rel, _gray(0))
        else:
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text("x")
    _train_error(capsys, root, message)


def test_too_few_images_to_hold_out_a_test_set(tmp_path: Path, capsys) -> None:
    _folder(tmp_path / "d", {"cat": 1})
    _train_error(capsys, tmp_path / "d", "too few samples (1)")


def test_missing_pillow_names_the_extra(tmp_path: Path, monkeypatch, capsys) -> None:
    _folder(tmp_path / "d", {"cat": 3, "dog": 3})
    monkeypatch.setitem(sys.modules, "PIL", None)  # `from PIL import Image` now fails
    monkeypatch.setitem(sys.modules, "PIL.Image", None)
    _train_error(capsys, tmp_path / "d", "needs Pillow: pip install 'numtorch[images]'")
    with pytest.raises(UsageError, match=r"needs Pillow: pip install 'numtorch\[images\]'"):
        predict.read_inputs(str(tmp_path / "d"))


# --- predict's side --------------------------------------------------------------------------


def test_predict_reads_flat_labelled_and_split_folders(tmp_path: Path) -> None:
    _save(tmp_path / "flat" / "b.png", _gray(1))
    _save(tmp_path / "flat" / "a.JPG", _gray(2))
    (tmp_path / "flat" / "notes.txt").write_text("x")
    flat = predict.read_inputs(str(tmp_path / "flat"))
    assert flat.files == ["a.JPG", "b.png"] and flat.y is None and flat.classes is None
    assert flat.x.shape == (2, 1, SIZE, SIZE)
    _folder(tmp_path / "split" / "train", {"cat": 2, "dog": 2})
    _folder(tmp_path / "split" / "test", {"cat": 1, "dog": 2})
    split = predict.read_inputs(str(tmp_path / "split"))  # its test/ split, as an npz's x_test
    assert split.files == ["test/cat/00.png", "test/dog/00.png", "test/dog/01.png"]
    assert split.y.tolist() == [0, 1, 1] and split.classes == ["cat", "dog"]


def _stats(classes: list[str] | None, k: int = 3) -> dict:
    stats = {"mean": None, "std": None, "num_classes": k}
    return stats if classes is None else {**stats, "classes": classes}


def test_folder_classes_are_matched_to_the_model_by_name() -> None:
    x = np.zeros((3, 1, 2, 2), np.float32)
    inputs = predict.Inputs(x, np.array([0, 1, 1]), ["b/0", "c/0", "c/1"], ["bird", "cat"])
    matched = predict.match_labels(inputs, _stats(["ant", "bird", "cat"]), "d")
    assert matched.y.tolist() == [1, 2, 2]  # a subset of the model's classes, by name
    with pytest.raises(UsageError, match=r"class folder\(s\) cat are not among .*\(ant, bird\)"):
        predict.match_labels(inputs, _stats(["ant", "bird"], 2), "d")
    # without stored names, by sorted position: the counts must agree
    assert predict.match_labels(inputs, _stats(None, 2), "d").y.tolist() == [0, 1, 1]
    with pytest.raises(UsageError, match="has 2 class folders, but the model was trained on 3"):
        predict.match_labels(inputs, _stats(None, 3), "d")


def test_inputs_must_have_the_training_shape_when_the_checkpoint_says() -> None:
    stats = {
        "mean": numtorch.zeros(3),
        "std": numtorch.ones(3),
        "num_classes": 2,
        "input_shape": [3, 8, 8],
    }
    inputs = predict.Inputs(np.ones((2, 3, 6, 6), np.float32), None)
    with pytest.raises(UsageError, match="inputs are 3x6x6, but the model was trained on 3x8x8"):
        predict._as_data(inputs, stats)
    inputs = predict.Inputs(np.ones((2, 3, 8, 8), np.float32), None)
    assert predict._as_data(inputs, stats).x_test.shape == (2, 3, 8, 8)
    del stats["input_shape"]  # older checkpoints: not checked here
    x = predict._as_data(predict.Inputs(np.ones((2, 3, 6, 6), np.float32), None), stats).x_test
    assert x.shape == (2, 3, 6, 6)


def test_predictions_csv_names_files_and_classes() -> None:
    probs = np.array([[0.9, 0.1], [0.2, 0.8]])
    inputs = predict.Inputs(np.zeros((2, 1)), np.array([0, 0]), ["cat/a.png", "cat/b.png"])
    rows = list(csv.reader(predict._predictions_csv(probs, inputs, ["cat", "dog"]).splitlines()))
    assert rows[0] == ["index", "file", "predicted", "predicted_class", "label", "p_0", "p_1"]
    assert rows[2] == ["1", "cat/b.png", "1", "dog", "0", "0.2", "0.8"]
    unlabelled = predict.Inputs(np.zeros((2, 1)), None, ["a.png", "b.png"])
    rows = list(csv.reader(predict._predictions_csv(probs, unlabelled, None).splitlines()))
    assert rows[0] == ["index", "file", "predicted", "p_0", "p_1"] and rows[1][:3] == [
        "0",
        "a.png",
        "0",
    ]


# --- end to end ------------------------------------------------------------------------------

MODEL = """
from numtorch import nn


class Tiny(nn.Module):
    def __init__(self, classes=2):
        super().__init__()
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(3 * 8 * 8, classes))

    def forward(self, x):
        return self.net(x)
"""


@pytest.mark.slow  # a real (one-epoch) training run
def test_train_on_a_folder_then_predict_on_folders(tmp_path: Path, capsys) -> None:
    (tmp_path / "tiny.py").write_text(MODEL)
    spec = f"{tmp_path / 'tiny.py'}:Tiny"
    pets = _folder(tmp_path / "pets", {"cat": 10, "dog": 10})
    run = tmp_path / "run"
    args = ["train", "--data", str(pets), "--model", spec, "--epochs", "1", "--out", str(run)]
    assert main([*args, "--lr", "0.05", "--batch-size", "4"]) == 0
    assert "pets, 16 train / 4 test samples of 3x8x8, 2 classes" in capsys.readouterr().out
    state = numtorch.load(run / "checkpoint.safetensors")
    assert state["config"]["data"] == str(pets.resolve())
    assert state["data_stats"]["num_classes"] == 2

    ckpt = ["predict", "--checkpoint", str(run / "checkpoint.safetensors"), "--model", spec]
    assert main([*ckpt, "--data", str(pets), "--out", str(tmp_path / "p")]) == 0
    printed = capsys.readouterr().out
    with open(tmp_path / "p" / "predictions.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["file"] for r in rows] == [
        f"{c}/{i:02d}.png" for c in ("cat", "dog") for i in range(10)
    ]
    labels = np.array([int(r["label"]) for r in rows])
    assert labels.tolist() == [0] * 10 + [1] * 10
    predicted = np.array([int(r["predicted"]) for r in rows])
    accuracy = float((predicted == labels).mean())
    assert accuracy > 0.9  # bright dogs, dark cats: one epoch learns it
    assert f"accuracy {accuracy:.4f} ({int(accuracy * 20)} of 20)" in printed
    assert (tmp_path / "p" / "confusion.md").exists()

    flat = tmp_path / "flat"
    flat.mkdir()
    for name in ("dog/03.png", "cat/07.png"):
        (flat / name.replace("/", "-")).write_bytes((pets / name).read_bytes())
    assert main([*ckpt, "--data", str(flat), "--out", str(tmp_path / "q")]) == 0
    with open(tmp_path / "q" / "predictions.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["file"] for r in rows] == ["cat-07.png", "dog-03.png"] and "label" not in rows[0]
    assert [r["predicted"] for r in rows] == ["0", "1"]
    assert not (tmp_path / "q" / "confusion.md").exists()

    # a folder the model cannot take: one line
    _folder(tmp_path / "three", {"a": 1, "b": 1, "c": 1})
    code = main([*ckpt, "--data", str(tmp_path / "three"), "--out", str(tmp_path / "r")])
    _one_line_error(
        capsys, code, "class folder(s) a, b, c are not among the model's classes (cat, dog)"
    )
