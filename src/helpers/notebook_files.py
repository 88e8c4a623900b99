"""Notebook files as committed: one normalisation for the runner, JupyterLab's save hook and the tests.

* :func:`normalize` removes what differs between two runs or saves of the same notebook
  (cells keep only their tags; papermill/nbclient timing, JupyterLab's view state and run
  metadata go), gives cells stable ids, joins the
  timing-dependent split of printed text, and sets the notebook metadata JupyterLab
  writes on connecting to the project's kernel (:func:`kernel_metadata`): a committed
  notebook then opens in JupyterLab unmodified.
* :func:`strip_source` is a source notebook as committed: normalised, and nbconvert's
  ``ClearOutputPreprocessor`` removes outputs and execution counts.
* :func:`pre_save_hook` is jupyter_server's pre-save hook of ``make lab``;
  :func:`refuse_generated` is the guard it shares with :mod:`helpers.lab` (renames,
  deletes, copies and moves): ``reports/`` and ``figures/`` are written by ``make report`` only.
"""

from __future__ import annotations

from pathlib import Path

from . import paths

INJECTED_TAG = "injected-parameters"
GENERATED_DIRS = ("reports", "figures")


def kernel_metadata() -> dict:
    """``kernelspec`` and ``language_info`` exactly as JupyterLab sets them when the project's kernel connects."""
    from ipykernel.ipkernel import IPythonKernel

    return {
        "kernelspec": {"display_name": paths.KERNEL_DISPLAY_NAME, "language": "python", "name": paths.KERNEL_NAME},
        "language_info": dict(IPythonKernel.language_info),
    }


def _clear_metadata(nb) -> None:
    """Every cell keeps its tags only, and the notebook JupyterLab's metadata. (nbconvert's
    ``ClearMetadataPreprocessor`` clears code cells only: papermill's timing on Markdown cells would stay.)"""
    for cell in nb.cells:
        tags = cell.metadata.get("tags")
        cell.metadata = {"tags": tags} if tags else {}
    nb.metadata = kernel_metadata()


def _fix_ids(nb, source=None) -> None:
    """Ids in ``source`` are kept; the injected-parameters cell is ``injected-parameters``; others ``cell-<i>``."""
    known = {c.get("id") for c in (source if source is not None else nb).cells if c.get("id")}
    used: set[str] = set()
    for index, cell in enumerate(nb.cells):
        if INJECTED_TAG in cell.metadata.get("tags", []):
            cell["id"] = INJECTED_TAG
        elif cell.get("id") not in known or cell.get("id") in used:
            cell["id"] = f"cell-{index}"
        used.add(cell["id"])


def _merge_streams(outputs: list) -> list:
    """Join consecutive stream outputs of one name: how a kernel splits printed text depends on timing."""
    merged: list = []
    for output in outputs:
        previous = merged[-1] if merged else None
        if (
            output.get("output_type") == "stream"
            and previous is not None
            and previous.get("output_type") == "stream"
            and previous.get("name") == output.get("name")
        ):
            previous["text"] = previous["text"] + output["text"]
        else:
            merged.append(output)
    return merged


def normalize(nb, source=None):
    """Remove what differs between two runs or saves of the same notebook; return ``nb``."""
    _clear_metadata(nb)
    _fix_ids(nb, source)
    for cell in nb.cells:
        if cell.get("outputs"):
            cell.outputs = _merge_streams(cell.outputs)
    return nb


def strip_source(nb):
    """A source notebook as committed: :func:`normalize`, no outputs, no execution counts."""
    from nbconvert.preprocessors import ClearOutputPreprocessor

    normalize(nb)
    ClearOutputPreprocessor().preprocess(nb, {})
    return nb


def notebook_bytes(nb) -> bytes:
    """The bytes ``nbformat.write`` would write (stable JSON layout, trailing newline)."""
    import nbformat

    text = nbformat.writes(nb)
    return (text if text.endswith("\n") else text + "\n").encode("utf-8")


def top_folder(path: str | None) -> str:
    parts = Path(str(path or "").replace("\\", "/").lstrip("/")).parts
    return parts[0] if parts else ""


def refuse_generated(action: str, *paths_: str | None) -> None:
    """HTTP 403 when ``action`` would change a file under ``reports/`` or ``figures/`` (or take one out)."""
    touched = [p for p in paths_ if top_folder(p) in GENERATED_DIRS]
    if touched:
        from tornado.web import HTTPError

        raise HTTPError(
            403,
            f"cannot {action} {touched[0]}: it is part of the committed report, which only `make report` "
            "writes: save a copy elsewhere (File > Save Notebook As..., e.g. under build/), "
            "or edit the source notebook in notebooks/",
        )


def pre_save_hook(model, path, contents_manager=None, **kwargs):
    """jupyter_server's ``ContentsManager.pre_save_hook`` for ``make lab`` (jupyter_server_config.py).

    A notebook saved under ``notebooks/`` is normalised as committed (:func:`strip_source`), so
    opening, running and saving a source notebook without editing it leaves its bytes unchanged;
    saving under ``reports/`` or ``figures/`` is refused (:func:`refuse_generated`).
    """
    refuse_generated("save", path)
    if model.get("type") == "notebook" and top_folder(path) == "notebooks" and model.get("content"):
        import nbformat

        model["content"] = strip_source(nbformat.from_dict(model["content"]))
    return model
