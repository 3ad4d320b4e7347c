"""Real notebook cell shapes, shared by the tests of every layer.

Each entry of :data:`SHAPES` is ``(id, cell_text)``. The texts are what notebook users actually write:
IPython magics and shell escapes, top-level ``await``, CRLF and tabs, one-liners with comments, partial
docstrings, nested classes and so on. Any part of the pipeline should be able to run over every one of
them without damaging the user's code.
"""

from __future__ import annotations

SHAPES: list[tuple[str, str]] = [
    ("empty", ""),
    ("whitespace", "   \n\n\t\n"),
    ("plain_function", 'def add(a, b):\n    return a + b\n'),
    ("annotated_defaults",
     "def scale(values: list[float], factor: float = 2.0, *, clip: bool | None = None) -> list[float]:\n"
     "    out = [v * factor for v in values]\n"
     "    if clip:\n"
     "        out = [min(v, 1.0) for v in out]\n"
     "    return out\n"),
    ("star_args_kwargs",
     "def call(fn, /, first, *args, key=None, **kwargs):\n"
     "    return fn(first, *args, key=key, **kwargs)\n"),
    ("positional_keyword_only",
     "def clamp(x: int, lo: int = 0, /, hi: int = 10, *, strict: bool = False) -> int:\n"
     "    if strict and not lo <= x <= hi:\n"
     "        raise ValueError(f'{x} out of range')\n"
     "    return max(lo, min(x, hi))\n"),
    ("one_liner_comment", "def ident(x): return x  # keep this note\n"),
    ("one_liner_class", "class Empty: pass\n"),
    ("multiline_signature",
     "def connect(\n"
     "    host: str,\n"
     "    port: int = 5432,\n"
     "    *,\n"
     "    timeout: float = 3.0,\n"
     ") -> None:\n"
     "    print(host, port, timeout)\n"),
    ("comment_after_def",
     "def load(path):\n"
     "    # read the whole file; files are small\n"
     "\n"
     "    # second comment\n"
     "    with open(path) as fh:\n"
     "        return fh.read()\n"),
    ("line_continuation",
     "def total(a, \\\n"
     "          b):\n"
     "    return a + \\\n"
     "        b\n"),
    ("decorators_with_args",
     "import functools\n"
     "\n"
     "@functools.lru_cache(maxsize=128)\n"
     "def fib(n: int) -> int:\n"
     "    return n if n < 2 else fib(n - 1) + fib(n - 2)\n"
     "\n"
     "def retry(times=3):\n"
     "    def wrap(fn):\n"
     "        @functools.wraps(fn)\n"
     "        def inner(*a, **k):\n"
     "            for _ in range(times):\n"
     "                try:\n"
     "                    return fn(*a, **k)\n"
     "                except OSError as err:\n"
     "                    last = err\n"
     "            raise RuntimeError('gave up') from last\n"
     "        return inner\n"
     "    return wrap\n"
     "\n"
     "@retry(times=5)\n"
     "def fetch(url):\n"
     "    return url\n"),
    ("generators",
     "def count_up(n):\n"
     "    i = 0\n"
     "    while i < n:\n"
     "        yield i\n"
     "        i += 1\n"
     "\n"
     "def chain(*its):\n"
     "    for it in its:\n"
     "        yield from it\n"
     "\n"
     "async def ticks(n: int):\n"
     "    import asyncio\n"
     "    for i in range(n):\n"
     "        await asyncio.sleep(0)\n"
     "        yield i\n"),
    ("async_function",
     "import asyncio\n"
     "\n"
     "async def fetch_all(urls: list[str]) -> dict[str, int]:\n"
     "    results = {}\n"
     "    for url in urls:\n"
     "        await asyncio.sleep(0)\n"
     "        results[url] = len(url)\n"
     "    return results\n"),
    ("raises",
     "import errno\n"
     "\n"
     "def check(value, mod):\n"
     "    if value is None:\n"
     "        raise ValueError('value is required')\n"
     "    if value < 0:\n"
     "        raise mod.NegativeError\n"
     "    try:\n"
     "        return 1 / value\n"
     "    except ZeroDivisionError as exc:\n"
     "        raise exc\n"
     "    except OSError:\n"
     "        raise\n"
     "    except KeyError as exc:\n"
     "        raise LookupError('missing') from exc\n"
     "    finally:\n"
     "        pass\n"
     "    raise ValueError('unreachable')\n"),
    ("returns_none_only",
     "def log(msg):\n"
     "    if not msg:\n"
     "        return\n"
     "    print(msg)\n"
     "    return None\n"
     "\n"
     "def outer():\n"
     "    def helper():\n"
     "        return 42\n"
     "    key = lambda x: x\n"
     "    helper()\n"),
    ("class_with_methods",
     "class Account:\n"
     "    interest: float = 0.01\n"
     "    kind = 'savings'\n"
     "    _secret = 1\n"
     "    __slots_like__ = ()\n"
     "\n"
     "    def __init__(self, owner: str, balance: float = 0.0) -> None:\n"
     "        self.owner = owner\n"
     "        self.balance: float = balance\n"
     "        self._log = []\n"
     "\n"
     "    def deposit(self, amount: float) -> float:\n"
     "        if amount <= 0:\n"
     "            raise ValueError('amount must be positive')\n"
     "        self.balance += amount\n"
     "        return self.balance\n"
     "\n"
     "    @property\n"
     "    def rich(self) -> bool:\n"
     "        return self.balance > 1e6\n"
     "\n"
     "    @rich.setter\n"
     "    def rich(self, value: bool) -> None:\n"
     "        raise AttributeError('read only')\n"
     "\n"
     "    @staticmethod\n"
     "    def rate(years: int) -> float:\n"
     "        return 0.01 * years\n"
     "\n"
     "    @classmethod\n"
     "    def empty(cls, owner: str) -> 'Account':\n"
     "        return cls(owner)\n"),
    ("dataclass",
     "from dataclasses import dataclass, field\n"
     "\n"
     "@dataclass(frozen=True)\n"
     "class Point:\n"
     "    x: float\n"
     "    y: float = 0.0\n"
     "    tags: list[str] = field(default_factory=list)\n"
     "\n"
     "    def norm(self) -> float:\n"
     "        return (self.x ** 2 + self.y ** 2) ** 0.5\n"),
    ("generics_protocol",
     "from typing import Generic, Protocol, TypeVar\n"
     "\n"
     "T = TypeVar('T')\n"
     "\n"
     "class SupportsClose(Protocol):\n"
     "    def close(self) -> None: ...\n"
     "\n"
     "class Box(Generic[T]):\n"
     "    def __init__(self, item: T) -> None:\n"
     "        self.item = item\n"
     "\n"
     "    def get(self) -> T:\n"
     "        return self.item\n"),
    ("overloads",
     "from typing import overload\n"
     "import typing\n"
     "\n"
     "@overload\n"
     "def parse(x: int) -> int: ...\n"
     "@typing.overload\n"
     "def parse(x: str) -> str: ...\n"
     "def parse(x):\n"
     "    return x\n"),
    ("nested_classes",
     "class Outer:\n"
     "    class Inner:\n"
     "        def method(self, x):\n"
     "            return x\n"
     "\n"
     "    def run(self):\n"
     "        def step(y):\n"
     "            return y * 2\n"
     "        return step(1)\n"),
    ("partial_docstrings",
     "def documented(a):\n"
     "    \"\"\"Already documented.\"\"\"\n"
     "    return a\n"
     "\n"
     "def half(a, b):\n"
     "    \"\"\"Does something.\n"
     "\n"
     "    Args:\n"
     "        a: the first.\n"
     "    \"\"\"\n"
     "    return a, b\n"
     "\n"
     "class Thing:\n"
     "    'single quoted docstring'\n"
     "\n"
     "    def act(self):\n"
     "        return 1\n"),
    ("string_with_def",
     "TEMPLATE = '''\n"
     "def not_a_function(x):\n"
     "    return x\n"
     "'''\n"
     "\n"
     "CODE = \"class NotAClass: pass\"\n"
     "\n"
     "def render(name):\n"
     "    return TEMPLATE.replace('x', name)\n"),
    ("lambda_assignments",
     "square = lambda x: x * x\n"
     "add = lambda a, b=1: a + b\n"
     "\n"
     "def apply(fn, x):\n"
     "    return fn(x)\n"),
    ("main_guard",
     "def main(argv=None):\n"
     "    return 0\n"
     "\n"
     "if __name__ == \"__main__\":\n"
     "    main()\n"),
    ("conditional_defs",
     "import sys\n"
     "\n"
     "if sys.platform == 'win32':\n"
     "    def sep():\n"
     "        return '\\\\'\n"
     "else:\n"
     "    def sep():\n"
     "        return '/'\n"
     "\n"
     "try:\n"
     "    import numpy as np\n"
     "except ImportError:\n"
     "    def mean(xs):\n"
     "        return sum(xs) / len(xs)\n"
     "else:\n"
     "    def mean(xs):\n"
     "        return float(np.mean(xs))\n"),
    ("semicolons",
     "import math; x = 1; y = 2\n"
     "def hyp(a, b): return math.hypot(a, b)\n"
     "z = hyp(x, y); print(z)\n"),
    ("crlf",
     "def add(a, b):\r\n    return a + b\r\n\r\nclass K:\r\n    def m(self):\r\n        return 1\r\n"),
    ("mixed_newlines", "x = 1\r\ndef f(a):\n    return a\r\n\ndef g():\r\n    pass\r\n"),
    ("tabs",
     "def tabbed(a):\n\tif a:\n\t\treturn a\n\treturn None\n\nclass T:\n\tdef m(self):\n\t\treturn 2\n"),
    ("line_magics",
     "%matplotlib inline\n"
     "%time x = 1\n"
     "names = %who_ls\n"
     "\n"
     "def plot(data):\n"
     "    return data\n"
     "\n"
     "%load_ext autoreload\n"
     "\n"
     "def other():\n"
     "    return 2\n"),
    ("shell_escapes",
     "!pip list\n"
     "files = !ls\n"
     "\n"
     "def count(items):\n"
     "    return len(items)\n"
     "\n"
     "!echo done\n"
     "len?\n"
     "\n"
     "def last():\n"
     "    return None\n"),
    ("continued_magic",
     "%time x = \\\n"
     "    1\n"
     "def after(a):\n"
     "    return a\n"),
    ("cell_magic", "%%time\ndef timed(x):\n    return x\n"),
    ("cell_magic_bash", "%%bash\necho hello\n"),
    ("top_level_await",
     "import asyncio\n"
     "\n"
     "async def wait(n):\n"
     "    await asyncio.sleep(0)\n"
     "    return n\n"
     "\n"
     "value = await wait(3)\n"
     "\n"
     "def use(v):\n"
     "    return v\n"),
    ("match_statement",
     "def describe(obj):\n"
     "    match obj:\n"
     "        case {'type': kind}:\n"
     "            return kind\n"
     "        case [first, *_]:\n"
     "            return first\n"
     "        case _:\n"
     "            raise TypeError('unknown')\n"),
    ("unicode_names",
     "def größe(länge: float, ширина: float = 1.0) -> float:\n"
     "    return länge * ширина\n"
     "\n"
     "class Café:\n"
     "    def serve(self, 数量: int):\n"
     "        return '☕' * 数量\n"),
    ("nested_function_closure",
     "def make_counter(start=0):\n"
     "    count = start\n"
     "    def increment(step=1):\n"
     "        nonlocal count\n"
     "        count += step\n"
     "        return count\n"
     "    return increment\n"),
    ("body_starts_with_string_expr",
     "def weird(x):\n"
     "    f'not a docstring {x}'\n"
     "    return x\n"),
    ("ellipsis_bodies",
     "class Base:\n"
     "    def area(self) -> float: ...\n"
     "\n"
     "    def name(self) -> str:\n"
     "        ...\n"),
    ("many_blank_lines_and_comments",
     "# a leading comment\n"
     "\n"
     "\n"
     "def spaced(a):\n"
     "\n"
     "    # explain\n"
     "    return a\n"
     "# trailing comment\n"),
    ("no_trailing_newline", "def tail(a):\n    return a"),
]

SHAPE_IDS: list[str] = [shape_id for shape_id, _ in SHAPES]
SHAPE_TEXT: dict[str, str] = dict(SHAPES)
