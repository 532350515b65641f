"""A Jinja2 sandbox that cannot run away: bounded time, output and sizes.

Jinja's :class:`~jinja2.sandbox.SandboxedEnvironment` keeps a template away from Python's
internals but not from the machine's memory and time: ``{{ ([1]*10**9)|length }}`` took 7.6 GB,
two nested ``range(100000)`` loops ran for ever.  A render cannot be stopped from outside (a
thread cannot be killed), so the bounds are checked from inside, at every place the template's
code passes through us:

* every operator that can grow a value (``*``, ``**``, ``+``, ``%``, ``~``) is checked *before*
  it runs: a string or list of more than :attr:`Limits.items` is refused, as is an integer of
  more than :attr:`Limits.int_bits`;
* ``range`` is ours: the same bound as Jinja's (100,000), and its iterator checks the deadline,
  so nested loops over it stop;
* every attribute lookup, item lookup, call and filter checks the deadline; calls to the
  growing methods of strings and lists (``ljust``, ``center``, ``zfill``, ``join``,
  ``replace``, ``format``, ``extend`` ...) and the growing filters (``center``, ``indent``,
  ``join``, ``replace``, ``format``) check their sizes first;
* the output is produced piece by piece (``Template.generate``) and counted.

Every bound that is hit raises :class:`TemplateLimitError` with a one-line reason.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from jinja2 import Template
from jinja2.compiler import CodeGenerator, Frame
from jinja2.nodes import Concat
from jinja2.runtime import Context
from jinja2.sandbox import MAX_RANGE, SandboxedEnvironment, SecurityError


class TemplateLimitError(SecurityError):
    """A template went past one of its bounds (time, output, a value's size)."""


@dataclass(frozen=True)
class Limits:
    """The bounds of one render (one article)."""

    #: Wall time for one article, in seconds.
    seconds: float = 10.0
    #: Characters of output for one article.
    output_chars: int = 16_000_000
    #: The longest string or list an operator, method or filter may make.
    items: int = 4_000_000
    #: The largest integer (in bits) ``*`` and ``**`` may make.
    int_bits: int = 4096


_DEADLINE: ContextVar[float] = ContextVar("template_deadline", default=float("inf"))
_LIMITS: ContextVar[Limits] = ContextVar("template_limits", default=Limits())  # noqa: B039 (frozen)
#: A width or count written in a format string (``{:>999999999}``, ``%999999999s``).
_BIG_NUMBER = re.compile(r"\d{7,}")


def check_time() -> None:
    if time.monotonic() > _DEADLINE.get():
        raise TemplateLimitError(
            f"took longer than {_LIMITS.get().seconds:g} s; stopped (make the template "
            "simpler)")


def _size(value: Any) -> int:
    return len(value) if isinstance(value, (str, bytes, list, tuple)) else 0


def _too_big(what: str) -> TemplateLimitError:
    return TemplateLimitError(f"{what} would be longer than {_LIMITS.get().items:,} items")


def _check_items(count: int, what: str) -> None:
    if count > _LIMITS.get().items:
        raise _too_big(what)


def _check_format(fmt: Any) -> None:
    if isinstance(fmt, str) and _BIG_NUMBER.search(fmt):
        raise TemplateLimitError("a width of a million or more in a format string")


class BoundedRange:
    """``range`` for templates: at most Jinja's MAX_RANGE items, the deadline checked as it is
    iterated (nested loops over it cannot run for ever)."""

    def __init__(self, *args: int) -> None:
        self._range = range(*args)
        if len(self._range) > MAX_RANGE:
            raise TemplateLimitError(f"range of more than {MAX_RANGE:,} items")

    def __iter__(self) -> Iterator[int]:
        for n, value in enumerate(self._range):
            if n % 256 == 0:
                check_time()
            yield value

    def __len__(self) -> int:
        return len(self._range)

    def __getitem__(self, index: Any) -> Any:
        return self._range[index]

    def __contains__(self, value: object) -> bool:
        return value in self._range

    def __reversed__(self) -> Iterator[int]:
        return reversed(list(self))

    def __repr__(self) -> str:
        return repr(self._range)


def _check_binop(op: str, left: Any, right: Any) -> None:
    """Refuse an operation whose result would be too big, before computing it."""
    limits = _LIMITS.get()
    if op == "*":
        for seq, times in ((left, right), (right, left)):
            if isinstance(times, int) and _size(seq):
                _check_items(_size(seq) * max(times, 0), "a repeated value")
        if isinstance(left, int) and isinstance(right, int) and (
                left.bit_length() + right.bit_length() > limits.int_bits):
            raise TemplateLimitError(f"a number of more than {limits.int_bits} bits")
    elif op == "**":
        if isinstance(left, int) and isinstance(right, int) and right > 0 and (
                max(left.bit_length() - 1, 1) * right > limits.int_bits and abs(left) > 1):
            raise TemplateLimitError(f"a number of more than {limits.int_bits} bits")
    elif op == "+":
        _check_items(_size(left) + _size(right), "a joined value")
    elif op == "%" and isinstance(left, str):
        _check_format(left)


#: Methods of str/list that grow their result by an argument, and how to bound them.
_GROWING_METHODS = frozenset({"ljust", "rjust", "center", "zfill", "expandtabs", "join",
                              "replace", "format", "format_map", "extend", "append", "insert",
                              "__mul__", "__add__"})


def _check_call(obj: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    target = getattr(obj, "__wrapped__", obj)  # str.format comes wrapped by the sandbox
    owner = getattr(target, "__self__", None)
    name = getattr(target, "__name__", "")
    if not isinstance(owner, (str, list)) or name not in _GROWING_METHODS:
        return
    values = [*args, *kwargs.values()]
    if name in ("format", "format_map"):
        _check_format(owner)
    for value in values:
        if isinstance(value, int) and value > _LIMITS.get().items:
            raise _too_big(f"{name}()")
    if name == "join" and args and isinstance(args[0], (list, tuple, str)):
        items = args[0]  # (an iterator is not consumed here: its items are bounded already)
        _check_items(sum(map(_size, items)) + len(owner) * len(items), "a joined value")
    elif name == "replace" and len(args) >= 2:
        old, new = str(args[0]), str(args[1])
        hits = owner.count(old) if old else len(owner) + 1
        _check_items(len(owner) + hits * len(new), "a replaced value")
    elif name in ("extend", "append", "insert", "__add__"):
        _check_items(len(owner) + sum(map(_size, values)) + 1, "a list")


def _bounded_filter(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """``func`` (a filter) checking the deadline, and for the growing ones their sizes."""
    skip = 1 if getattr(func, "jinja_pass_arg", None) is not None else 0

    @functools.wraps(func)
    def run(*args: Any, **kwargs: Any) -> Any:
        check_time()
        values = list(args[skip:])
        if name in ("center", "indent"):
            widths = [v for v in [*values[1:], *kwargs.values()] if isinstance(v, int)]
            if any(w > _LIMITS.get().items for w in widths):
                raise _too_big(f"|{name}")
        elif name == "format" and values:
            _check_format(values[0])
        elif name == "join" and values and isinstance(values[0], (list, tuple)):
            sep = values[1] if len(values) > 1 else kwargs.get("d", "")
            _check_items(sum(len(str(i)) for i in values[0]) + _size(sep) * len(values[0]),
                         "a joined value")
        elif name == "replace" and len(values) >= 3:
            text, old, new = str(values[0]), str(values[1]), str(values[2])
            hits = text.count(old) if old else len(text) + 1
            _check_items(len(text) + hits * len(new), "a replaced value")
        return func(*args, **kwargs)

    return run


class _BoundedCodeGenerator(CodeGenerator):
    """Compiles ``a ~ b`` to a checked join (the sandbox has no hook for ``~``)."""

    def visit_Concat(self, node: Concat, frame: Frame) -> None:
        self.write("environment.bounded_concat((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


class BoundedEnvironment(SandboxedEnvironment):
    """The sandbox with the bounds of the module docstring."""

    code_generator_class = _BoundedCodeGenerator
    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.globals["range"] = BoundedRange

    def bound_filters(self) -> None:
        """Wrap every filter (call once the filters are all registered)."""
        self.filters = {name: _bounded_filter(name, func) for name, func in self.filters.items()}

    def bounded_concat(self, parts: tuple[Any, ...]) -> str:
        check_time()
        texts = [str(part) for part in parts]
        _check_items(sum(map(len, texts)), "a joined value")
        return "".join(texts)

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        check_time()
        _check_binop(operator, left, right)
        return super().call_binop(context, operator, left, right)

    def getattr(self, obj: Any, attribute: str) -> Any:
        check_time()
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        check_time()
        return super().getitem(obj, argument)

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        check_time()
        _check_call(__obj, args, kwargs)
        return super().call(__context, __obj, *args, **kwargs)


def render_bounded(template: Template, context: dict[str, Any], limits: Limits) -> str:
    """Render ``template`` within ``limits`` (raises :class:`TemplateLimitError`)."""
    deadline = _DEADLINE.set(time.monotonic() + limits.seconds)
    bounds = _LIMITS.set(limits)
    try:
        pieces: list[str] = []
        total = 0
        for piece in template.generate(context):
            total += len(piece)
            if total > limits.output_chars:
                raise TemplateLimitError(
                    f"output longer than {limits.output_chars:,} characters for one article")
            check_time()
            pieces.append(piece)
        return "".join(pieces)
    finally:
        _DEADLINE.reset(deadline)
        _LIMITS.reset(bounds)
