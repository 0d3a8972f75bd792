"""Image folders for ``numtorch train --data DIR`` and ``numtorch predict --data DIR``.

Layouts, read as torchvision's ``ImageFolder`` reads a folder::

    DIR/cat/001.png  DIR/dog/a.jpg ...          one subfolder per class: the training set
                                                (a fixed 20% is held out as the test set)
    DIR/train/cat/... DIR/test/cat/...          train/ and test/, each with the same classes
    DIR/001.png DIR/002.png ...                 a flat folder: numtorch predict only (no labels)

A folder holding both ``train/`` and ``test/`` is always read as the split layout (other entries
beside them are ignored). Classes are the sorted subfolder names, numbered 0..K-1; each class's
images are found recursively (subfolders sorted, then files sorted), as torchvision does.
Image files are those whose names end, in any case, in one of :data:`IMG_EXTENSIONS`; other files
are skipped. Unlike torchvision, hidden entries (names starting with ``.``, such as
``.ipynb_checkpoints`` or ``._cat.jpg``) are skipped too: they are never a class or an image.

Pixels become float32 in [0, 1], channels first (N, C, H, W): C = 1 when every image is
grayscale (Pillow modes ``1``, ``L``, ``LA``, and 16-bit ``I;16*`` / ``I`` scaled by 1/65535),
else C = 3 with every image converted to RGB (palette images through their palette; grayscale
ones repeated over the three channels). Alpha channels (``RGBA``, ``LA``, ``PA``) are dropped,
not composited. Every image must have the same size (no resizing). Images are decoded by
Pillow (``pip install 'numtorch[images]'``) straight into one preallocated array; every problem
is a one-line :class:`UsageError` naming the file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from numtorch.cli.config import UsageError

__all__ = [
    "IMG_EXTENSIONS",
    "Images",
    "Listing",
    "decode",
    "find_classes",
    "is_image_file",
    "is_split",
    "list_folder",
]

IMG_EXTENSIONS = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp")
INSTALL = "pip install 'numtorch[images]'"
GRAY_8BIT = ("1", "L", "LA")
GRAY_16BIT = ("I;16", "I;16L", "I;16B", "I;16N", "I")


@dataclass
class Listing:
    """The images a folder holds, before decoding: paths relative to ``root`` (the ``--data``
    folder), their class indices (None: a flat folder) and the class names."""

    root: Path
    files: list[str]
    targets: np.ndarray | None
    classes: list[str] | None

    def take(self, indices: np.ndarray) -> Listing:
        """The listing of the images at ``indices``, in that order."""
        targets = None if self.targets is None else self.targets[indices]
        return Listing(self.root, [self.files[i] for i in indices], targets, self.classes)


@dataclass
class Images:
    """Decoded images (N, C, H, W) float32 in [0, 1], with their listing."""

    x: np.ndarray
    listing: Listing


def _pillow() -> Any:
    """``PIL.Image``, imported only when an image folder is read (Pillow is an optional extra)."""
    try:
        from PIL import Image
    except ImportError:
        raise UsageError(f"reading an image folder needs Pillow: {INSTALL}") from None
    return Image


def _hidden(name: str) -> bool:
    return name.startswith(".")


def is_image_file(name: str) -> bool:
    """Whether ``name`` is a visible file with one of :data:`IMG_EXTENSIONS` (any case)."""
    return not _hidden(name) and name.lower().endswith(IMG_EXTENSIONS)


def find_classes(folder: Path) -> list[str]:
    """The sorted names of ``folder``'s visible subfolders (symbolic links followed)."""
    return sorted(e.name for e in os.scandir(folder) if e.is_dir() and not _hidden(e.name))


def _images_under(folder: Path) -> list[Path]:
    """Every image file below ``folder``, as torchvision orders them: the folders of a recursive
    walk sorted by path, the files of each sorted by name."""
    found = []
    for top, dirs, names in os.walk(folder, followlinks=True):
        dirs[:] = [d for d in dirs if not _hidden(d)]
        found.append((top, sorted(n for n in names if is_image_file(n))))
    return [Path(top) / name for top, names in sorted(found) for name in names]


def _where(root: Path, flag: str) -> str:
    return f"{flag} {str(root)!r}"


def _classes_listing(root: Path, folder: Path, flag: str) -> Listing:
    """The class-per-subfolder listing of ``folder`` (``root`` or a split inside it)."""
    classes = find_classes(folder)
    if not classes:
        raise UsageError(
            f"{_where(root, flag)}: {str(folder)!r} has no class subfolders (one folder of "
            "images per class, or train/ and test/ holding them)"
        )
    files, targets, empty = [], [], []
    for index, name in enumerate(classes):
        found = _images_under(folder / name)
        empty += [name] * (not found)
        files += [p.relative_to(root).as_posix() for p in found]
        targets += [index] * len(found)
    if empty:
        inside = "" if folder == root else f" in {folder.name}/"
        raise UsageError(
            f"{_where(root, flag)}: class folder(s) {', '.join(empty)}{inside} hold no images "
            f"(files ending in {' '.join(IMG_EXTENSIONS)})"
        )
    return Listing(root, files, np.array(targets, dtype=np.int64), classes)


def _flat_listing(root: Path, flag: str) -> Listing:
    files = sorted(e.name for e in os.scandir(root) if e.is_file() and is_image_file(e.name))
    if not files:
        raise UsageError(
            f"{_where(root, flag)} holds no images (files ending in {' '.join(IMG_EXTENSIONS)}) "
            "and no class subfolders"
        )
    return Listing(root, files, None, None)


def is_split(folder: Path) -> bool:
    """Whether ``folder`` has the ``train/`` + ``test/`` layout."""
    return (folder / "train").is_dir() and (folder / "test").is_dir()


def _check_same_classes(train: Listing, test: Listing, flag: str) -> None:
    if train.classes != test.classes:
        only_train = sorted(set(train.classes) - set(test.classes))
        only_test = sorted(set(test.classes) - set(train.classes))
        raise UsageError(
            f"{_where(train.root, flag)}: train/ and test/ must hold the same class folders, "
            f"but only train/ has {only_train or 'none'} and only test/ has {only_test or 'none'}"
        )


def list_folder(
    path: str, flag: str = "--data", flat: bool = False
) -> tuple[Listing, Listing | None]:
    """The (train, test) listings of the image folder ``path``; test is None unless it has the
    ``train/`` + ``test/`` layout. ``flat``: a folder of images without class subfolders is
    allowed (one unlabelled listing), as ``numtorch predict`` takes it."""
    root = Path(path)
    if not root.is_dir():
        raise UsageError(f"{flag} folder {path!r} does not exist")
    try:
        if is_split(root):
            train = _classes_listing(root, root / "train", flag)
            test = _classes_listing(root, root / "test", flag)
            _check_same_classes(train, test, flag)
            return train, test
        if flat and not find_classes(root):
            return _flat_listing(root, flag), None
        return _classes_listing(root, root, flag), None
    except OSError as err:
        raise UsageError(f"cannot read {flag} folder {path!r}: {err.strerror or err}") from None


def _reason(err: Exception) -> str:
    text = str(err).splitlines()[0] if str(err) else ""
    if type(err).__name__ == "UnidentifiedImageError" or text.startswith("cannot identify"):
        return "not an image Pillow can read"
    return text or type(err).__name__


def _open(Image: Any, path: Path, flag: str) -> Any:
    """``path`` opened by Pillow (only its header is read until pixels are asked for)."""
    try:
        return Image.open(path)
    except Exception as err:  # untrusted files: Pillow's plugins raise many types
        raise UsageError(f"{flag}: cannot read image {str(path)!r}: {_reason(err)}") from None


def _header(Image: Any, path: Path, flag: str) -> tuple[str, tuple[int, int]]:
    with _open(Image, path, flag) as image:
        return image.mode, image.size


def _channels_and_size(Image: Any, listings: list[Listing], flag: str) -> tuple[int, int, int]:
    """(C, H, W) for every image of ``listings``: one size, C = 1 only if all are grayscale."""
    gray, first = True, None
    for listing in listings:
        for name in listing.files:
            mode, size = _header(Image, listing.root / name, flag)
            gray = gray and mode in GRAY_8BIT + GRAY_16BIT
            if first is None:
                first = (name, size)
            elif size != first[1]:
                raise UsageError(
                    f"{_where(listing.root, flag)}: images differ in size: {first[0]} is "
                    f"{_wxh(first[1])}, {name} is {_wxh(size)} (width x height); numtorch does "
                    "not resize, so make them one size first"
                )
    if first is None:
        raise UsageError(f"{flag}: no images to read")
    return (1 if gray else 3), first[1][1], first[1][0]


def _wxh(size: tuple[int, int]) -> str:
    return f"{size[0]}x{size[1]}"


def _pixels_into(image: Any, out: np.ndarray, path: Path, flag: str) -> None:
    """Decode ``image`` into ``out`` (C, H, W) as float32 in [0, 1]."""
    if image.mode in GRAY_16BIT:
        pixels = np.asarray(image)
        if pixels.size and (pixels.min() < 0 or pixels.max() > 65535):
            raise UsageError(f"{flag}: image {str(path)!r} holds values outside 16 bits")
        np.divide(pixels, np.float32(65535), out=out, casting="unsafe")
    elif image.mode in GRAY_8BIT:
        np.divide(np.asarray(image.convert("L")), np.float32(255), out=out)
    else:
        rgb = np.asarray(image.convert("RGB")).transpose(2, 0, 1)
        np.divide(rgb, np.float32(255), out=out)


def _decode_into(Image: Any, listing: Listing, out: np.ndarray, flag: str) -> None:
    for i, name in enumerate(listing.files):
        path = listing.root / name
        with _open(Image, path, flag) as image:
            try:
                _pixels_into(image, out[i], path, flag)
            except UsageError:
                raise
            except Exception as err:  # a truncated or corrupt file fails only when decoded
                raise UsageError(
                    f"{flag}: cannot read image {str(path)!r}: {_reason(err)}"
                ) from None


def decode(listings: list[Listing], flag: str = "--data") -> list[Images]:
    """Decode each listing into its own preallocated (N, C, H, W) float32 array; the channels
    and the size are decided over all of them together, so the splits always agree."""
    Image = _pillow()
    c, h, w = _channels_and_size(Image, listings, flag)
    decoded = []
    for listing in listings:
        x = np.empty((len(listing.files), c, h, w), dtype=np.float32)
        _decode_into(Image, listing, x, flag)
        decoded.append(Images(x, listing))
    return decoded
