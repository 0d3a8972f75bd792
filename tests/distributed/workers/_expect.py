"""What the worker scripts share: ``expect`` (a call must raise a given error naming a text).

Workers run as scripts (``python workers/x.py``), so this folder is first on ``sys.path`` and
``from _expect import expect`` finds this module."""

from __future__ import annotations


def expect(exc: type[BaseException], text: str, fn, *args, **kwargs) -> None:
    """Raise AssertionError unless ``fn(*args, **kwargs)`` raises ``exc`` with ``text`` in its
    message."""
    try:
        fn(*args, **kwargs)
    except exc as e:
        if text not in str(e):
            raise AssertionError(f"{fn.__name__}: message {str(e)!r} lacks {text!r}") from e
        return
    raise AssertionError(f"{fn.__name__}{args} did not raise {exc.__name__}")
