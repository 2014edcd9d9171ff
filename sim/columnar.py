"""Output tables as named numpy columns, and their two forms: a pandas DataFrame (for Python
users) and an Arrow table (for the parquet files).

:mod:`sim.metrics` builds each table as a :data:`Columns` dict. `curtain run` turns it into
Arrow and writes it, without importing pandas (about a third of a one-year run's start-up);
:class:`sim.runner.RunResult` turns it into a DataFrame the first time one is asked for.
Both forms hold the same values with the same types: a file written from the columns reads
back (``pandas.read_parquet``) exactly as the DataFrame, because the Arrow table carries the
same ``pandas`` schema metadata pyarrow writes for that DataFrame
(``tests/test_tables.py`` compares the two, so a new pandas or pyarrow that describes a
column differently fails there, not in a user's hands).

Column kinds:

- a numpy array (int64, float64, bool): as it is;
- :class:`Coded`: codes into a fixed list of words (a categorical; -1 is missing);
- :class:`Maybe`: whole numbers, some missing (pandas ``Int64``);
- a numpy object array of text or None (free text, e.g. an intervention's note).
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple, Union

import numpy as np

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa


class Coded(NamedTuple):
    """Codes into ``categories`` (-1: missing): a categorical column."""

    codes: np.ndarray
    categories: tuple[str, ...]


class Maybe(NamedTuple):
    """Whole numbers where ``missing`` is False: a nullable integer column."""

    values: np.ndarray
    missing: np.ndarray

    @classmethod
    def where_negative(cls, values: np.ndarray) -> Maybe:
        """Days and ids where -1 (any negative) means "not (yet)"."""
        values = np.asarray(values, dtype=np.int64)
        missing = values < 0
        return cls(np.where(missing, 0, values), missing)


Column = Union[np.ndarray, Coded, Maybe]  # noqa: UP007 (read at run time, not only by typing)
Columns = dict[str, Column]


def rows(columns: Columns) -> int:
    """The number of rows."""
    for column in columns.values():
        if isinstance(column, Coded):
            return len(column.codes)
        if isinstance(column, Maybe):
            return len(column.values)
        return len(column)
    return 0


# ----------------------------------------------------------------------------- pandas
@lru_cache(maxsize=64)
def _category_dtype(categories: tuple[str, ...]) -> pd.CategoricalDtype:
    import pandas as pd

    return pd.CategoricalDtype(list(categories))


def to_frame(columns: Columns) -> pd.DataFrame:
    """The columns as a DataFrame (categoricals, ``Int64``, numpy columns uncopied)."""
    import pandas as pd

    data = {}
    for name, column in columns.items():
        if isinstance(column, Coded):
            # one dtype per list of categories: checking the categories costs more than the column
            data[name] = pd.Categorical.from_codes(
                column.codes, dtype=_category_dtype(tuple(column.categories))
            )
        elif isinstance(column, Maybe):
            data[name] = pd.arrays.IntegerArray(column.values, column.missing)
        else:
            data[name] = column
    return pd.DataFrame(data, copy=False)


# ----------------------------------------------------------------------------- Arrow
def to_arrow(columns: Columns) -> pa.Table:
    """The columns as an Arrow table, described for pandas as pyarrow describes the
    DataFrame :func:`to_frame` makes (``pandas`` schema metadata, no index)."""
    import pyarrow as pa

    arrays, described = [], []
    for name, column in columns.items():
        array, pandas_type, numpy_type, metadata = _arrow_column(pa, column)
        arrays.append(array)
        described.append(
            {
                "name": name,
                "field_name": name,
                "pandas_type": pandas_type,
                "numpy_type": numpy_type,
                "metadata": metadata,
            }
        )
    table = pa.Table.from_arrays(arrays, names=list(columns))
    pandas = {
        "index_columns": [],
        "column_indexes": [],
        "columns": described,
        "attributes": {},
        "creator": {"library": "pyarrow", "version": pa.__version__},
        "pandas_version": _pandas_version(),
    }
    return table.replace_schema_metadata({"pandas": json.dumps(pandas)})


def _arrow_column(pa, column: Column) -> tuple:
    """(array, pandas_type, numpy_type, metadata) of one column.

    Arrays are assembled from their buffers (``Array.from_buffers``, the numpy data shared,
    not copied): ``pyarrow.array`` would first ask pandas whether the values are a pandas
    object, importing it.
    """
    if isinstance(column, Coded):
        width = _code_width(len(column.categories))
        missing = column.codes < 0
        codes = np.where(missing, 0, column.codes).astype(width)
        indices = _from_numpy(pa, codes, pa.from_numpy_dtype(width), missing)
        words = _text(pa, list(column.categories))
        array = pa.DictionaryArray.from_arrays(indices, words)
        meta = {"num_categories": len(column.categories), "ordered": False}
        return array, "categorical", np.dtype(width).name, meta
    if isinstance(column, Maybe):
        return _from_numpy(pa, column.values, pa.int64(), column.missing), "int64", "Int64", None
    if column.dtype == object:
        if not np.not_equal(column, None).any():
            return pa.nulls(len(column)), "empty", "object", None
        return _text(pa, column), "object", "str", None
    kind = pa.from_numpy_dtype(column.dtype)
    # NaN is written as null, as pyarrow writes a pandas float column (it reads back as NaN)
    missing = np.isnan(column) if column.dtype.kind == "f" else None
    return _from_numpy(pa, column, kind, missing), column.dtype.name, column.dtype.name, None


def _bits(flags: np.ndarray):
    """A boolean array as Arrow's bitmap (least significant bit first)."""
    return np.packbits(flags, bitorder="little")


def _from_numpy(pa, values: np.ndarray, kind, missing: np.ndarray | None):
    """A fixed-width Arrow array over a numpy array's data; ``missing`` marks nulls."""
    validity = None if missing is None or not missing.any() else pa.py_buffer(_bits(~missing))
    if kind == pa.bool_():
        data = pa.py_buffer(_bits(values))
    else:
        data = pa.py_buffer(np.ascontiguousarray(values))
    nulls = 0 if validity is None else int(missing.sum())
    return pa.Array.from_buffers(kind, len(values), [validity, data], null_count=nulls)


def _text(pa, words):
    """A large_string Arrow array of words (None: null); few or many may be None."""
    words = np.asarray(words, dtype=object)
    present = np.not_equal(words, None)
    encoded = [w.encode("utf-8") for w in words[present]]
    lengths = np.zeros(len(words), dtype=np.int64)
    lengths[present] = [len(b) for b in encoded]
    offsets = np.zeros(len(words) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    validity = None if present.all() else pa.py_buffer(_bits(present))
    buffers = [validity, pa.py_buffer(offsets), pa.py_buffer(b"".join(encoded))]
    return pa.Array.from_buffers(
        pa.large_string(), len(words), buffers, null_count=int((~present).sum())
    )


def _code_width(categories: int) -> type:
    """The integer type pandas gives a categorical's codes."""
    for width in (np.int8, np.int16, np.int32):
        if categories < np.iinfo(width).max:
            return width
    return np.int64


@lru_cache(maxsize=1)
def _pandas_version() -> str:
    """pandas' version, read from its installed metadata (importing pandas is what this
    path avoids)."""
    import sys
    from importlib import metadata

    if "pandas" in sys.modules and hasattr(sys.modules["pandas"], "__version__"):
        return sys.modules["pandas"].__version__
    return metadata.version("pandas")
