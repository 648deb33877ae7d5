"""The real data in a student bundle (``autograder bundle --data DIR``) and what its README says about them.

``DIR`` is a data folder as the labs read it (``SEQLABS_DATA``): ``DIR/multi30k/train.de.gz``, ...
Every data set of ``seqlabs.data.registry`` found there is copied into the
bundle's ``data/`` with its registered files only, each checked against its
pinned SHA-256 first: a bundle never hands out a corrupt or different file.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from seqlabs.data.registry import DATASETS, DataSet

__all__ = ["DATA_FOLDER", "copy_data", "data_section"]

DATA_FOLDER = "data"  # inside the bundle


def _sha256(path: Path) -> str:
    import pooch  # the same hashing as the fetch (pooch.file_hash reads in chunks)

    return "sha256:" + pooch.file_hash(str(path), alg="sha256")


def copy_data(data: Path, into: Path, error: type[Exception] = ValueError) -> list[DataSet]:
    """Copy every registered data set found in ``data`` into ``into/<folder>/``; the data sets copied.

    Raises ``error`` naming the file and the fix when a data set's folder is
    there but a file is missing or has another hash, or when ``data`` holds no
    known data set at all.
    """
    data = Path(data).expanduser()
    if not data.is_dir():
        raise error(f"--data {data}: no such folder. Give the folder that holds multi30k/ (what SEQLABS_DATA "
                    "names); `python -m seqlabs.data fetch multi30k --dir DIR` makes one")
    found = [d for d in DATASETS.values() if (data / d.folder).is_dir()]
    if not found:
        hint = (" (it looks like a multi30k folder itself: give the folder above it)"
                if (data / "train.de.gz").is_file() else "")
        raise error(f"--data {data} holds none of the data sets {', '.join(d.folder + '/' for d in DATASETS.values())}"
                    f"{hint}. Fetch them there with `python -m seqlabs.data fetch multi30k --dir {data}`")
    for dataset in found:
        folder = data / dataset.folder
        for fname, pinned in dataset.files.items():
            path = folder / fname
            if not path.is_file():
                raise error(f"--data: {path} is missing ({dataset.name} needs {', '.join(dataset.files)}). "
                            f"Fix: `python -m seqlabs.data fetch {dataset.name} --dir {data}`")
            if _sha256(path) != pinned:
                raise error(f"--data: {path} does not have the pinned SHA-256 of {dataset.name}'s {fname} "
                            f"({pinned}): it is corrupt or another version. Fix: delete it and run "
                            f"`python -m seqlabs.data fetch {dataset.name} --dir {data}`")
        (into / dataset.folder).mkdir(parents=True, exist_ok=True)
        for fname in dataset.files:
            shutil.copy2(folder / fname, into / dataset.folder / fname)
    return found


def data_section(datasets: list[DataSet]) -> str:
    """The README's section on the real data: in the bundle (with citations and terms), or how to fetch them."""
    if not datasets:
        return """## Real data

The labs run on small embedded practice data unless you give them the real
data sets; each lab's data cell says which it ran on. To fetch Multi30k
(1.3 MB, checked against pinned SHA-256 hashes), after the install:

```bash
.venv/bin/python -m seqlabs.data fetch multi30k
```

then start Jupyter with `SEQLABS_DATA` set to the folder it prints; or run
`import seqlabs.data; seqlabs.data.use("multi30k")` in a notebook cell.
"""
    parts = [f"""## Real data (in `{DATA_FOLDER}/`)

Your instructor included the real data sets in `{DATA_FOLDER}/`; every file was
checked against its pinned SHA-256 when the bundle was made. The labs read them
when `SEQLABS_DATA` names that folder, so start Jupyter from this folder with

```bash
SEQLABS_DATA="$PWD/{DATA_FOLDER}" .venv/bin/jupyter lab notebooks/
```

(On Windows: `set SEQLABS_DATA=%CD%\\{DATA_FOLDER}` then `.venv\\Scripts\\jupyter lab notebooks`.)
Each lab's data cell says which data it ran on. Without the setting the labs
use small embedded practice data.
"""]
    for d in datasets:
        files = ", ".join(f"`{f}`" for f in d.files)
        parts.append(f"""### {d.title}

- Files: `{DATA_FOLDER}/{d.folder}/`: {files}
- Used by: {', '.join(d.used_by)}
- Source: {d.homepage} (downloaded from {d.base_url})
- Cite: {d.citation}
- Terms: {d.terms}
""")
    return "\n".join(parts)
