"""Notebooks exported as offline HTML: executed, their widgets made static.

A widget view needs a running kernel; in a handout it becomes what its
Output widgets captured (figures included) and one line of its controls'
values. The HTML template (``assets/notebook.html.j2``) drops everything
JupyterLab's export would fetch from a CDN.
"""

from __future__ import annotations

import os
from pathlib import Path

from ...errors import UsageError
from .export import check_out, write_atomic
from .page import ASSETS, esc

_WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
_WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


_CONTROL_SKIP = {"ButtonModel", "LayoutModel"}


def _widget_items(model_id: str, state: dict, seen: set) -> list:
    """A widget tree as static items in display order: ("out", output) or ("ctl", "name = value")."""
    if model_id in seen or model_id not in state:
        return []
    seen.add(model_id)
    model = state[model_id]
    name = model.get("model_name", "")
    st = model.get("state", {})
    if name == "OutputModel":
        return [("out", o) for o in st.get("outputs", [])]
    children = st.get("children")
    if isinstance(children, list) and children:
        out = []
        for child in children:
            if isinstance(child, str) and child.startswith("IPY_MODEL_"):
                out.extend(_widget_items(child[len("IPY_MODEL_"):], state, seen))
        return out
    if name == "ImageModel":
        buf = next((b for b in model.get("buffers", []) if b.get("path") == ["value"]), None)
        fmt = st.get("format", "png")
        if buf and buf.get("encoding", "base64") == "base64" and fmt in ("png", "jpeg", "gif"):
            return [("out", {"output_type": "display_data", "metadata": {},
                             "data": {f"image/{fmt}": buf["data"], "text/plain": "<image>"}})]
        return []
    if name in ("HTMLModel", "HTMLMathModel"):
        value = st.get("value") or ""
        return [("out", {"output_type": "display_data", "metadata": {},
                         "data": {"text/html": value, "text/plain": value}})] if value.strip() else []
    if name == "LabelModel":
        return [("ctl", str(st.get("value", "")))] if st.get("value") else []
    if name in _CONTROL_SKIP:
        return []
    if "_options_labels" in st and isinstance(st.get("index"), int):
        labels = st["_options_labels"]
        value = labels[st["index"]] if 0 <= st["index"] < len(labels) else ""
    elif "value" in st:
        value = st["value"]
    else:
        return []
    desc = st.get("description") or name.removesuffix("Model")
    return [("ctl", f"{desc} = {value}")]


def _widget_outputs(model_id: str, state: dict, seen: set) -> list:
    """Outputs standing for a widget: captured outputs, images, HTML, and one line of its controls' values."""
    outputs, controls = [], []

    def flush():
        if controls:
            html_text = " \u00b7 ".join(f"<code>{esc(c)}</code>" for c in controls)
            outputs.append({"output_type": "display_data", "metadata": {},
                            "data": {"text/html": f'<div class="zv-widget-static">Controls: {html_text}</div>',
                                     "text/plain": "Controls: " + "; ".join(controls)}})
            controls.clear()

    for kind, item in _widget_items(model_id, state, seen):
        if kind == "ctl":
            controls.append(item)
        else:
            flush()
            outputs.append(item)
    flush()
    return outputs


def static_widget_outputs(nb) -> int:
    """Replace widget views in an executed notebook by static outputs; return how many.

    A widget view becomes what its Output widgets captured (figures
    included) and one line per control; a widget that left nothing static
    becomes a short note. The saved widget state is dropped, so the export
    loads no widget renderer.
    """
    import nbformat

    state = nb.metadata.get("widgets", {}).get(_WIDGET_STATE, {}).get("state", {})
    replaced = 0
    for cell in nb.cells:
        if cell.get("cell_type") != "code":
            continue
        outputs = []
        for out in cell.get("outputs", []):
            data = out.get("data", {}) if out.get("output_type") in ("display_data", "execute_result") else {}
            if _WIDGET_VIEW not in data:
                outputs.append(out)
                continue
            replaced += 1
            model_id = data[_WIDGET_VIEW].get("model_id", "")
            captured = _widget_outputs(model_id, state, set())
            rest = {k: v for k, v in data.items() if k != _WIDGET_VIEW}
            if captured:
                outputs.extend(nbformat.from_dict(o) for o in captured)
            elif any(k.startswith("image/") or k == "text/html" for k in rest):
                out = nbformat.from_dict(dict(out, data=rest))
                outputs.append(out)
            else:
                outputs.append(nbformat.from_dict({
                    "output_type": "display_data", "metadata": {},
                    "data": {"text/plain": "(an interactive widget: open the notebook in Jupyter to use it)"}}))
        cell["outputs"] = outputs
    nb.metadata.pop("widgets", None)
    return replaced


def machine_paths(*extra: str) -> list[str]:
    """Folders of this machine a handout must not show, longest first: the project, Python's prefix, home, and *extra*."""
    import sys

    root = str(Path(__file__).resolve().parents[3])
    found = {root, sys.prefix, sys.base_prefix, os.path.expanduser("~"), *extra}
    return sorted((p for p in found if p and p not in ("/", ".")), key=len, reverse=True)


def strip_paths(nb, folders: list[str]) -> int:
    """Replace each of *folders* in the notebook's outputs by "…"; return how many outputs changed."""
    changed = 0

    def clean(text):
        for folder in folders:
            text = text.replace(folder, "\u2026")
        return text

    for cell in nb.cells:
        for out in cell.get("outputs", []):
            before = repr(out)
            if "text" in out:
                out["text"] = clean("".join(out["text"]) if isinstance(out["text"], list) else out["text"])
            if "traceback" in out:
                out["traceback"] = [clean(line) for line in out["traceback"]]
            for key, value in list(out.get("data", {}).items()):
                if key.startswith("text/") or key in ("application/json",):
                    out["data"][key] = clean("".join(value) if isinstance(value, list) else value) \
                        if isinstance(value, (str, list)) else value
            changed += repr(out) != before
    return changed


def export_notebook(src: str | os.PathLike, dest: str | os.PathLike, *, timeout: int = 600,
                    kernel_name: str = "python3") -> Path:
    """Execute a notebook, make its widgets static and write it as offline HTML.

    The notebook runs in a temporary folder, so nothing it writes lands
    beside the notebooks; the folders of this machine are removed from its
    outputs.
    """
    import tempfile

    import nbformat
    from nbclient import NotebookClient
    from nbconvert import HTMLExporter

    src = Path(src)
    check_out(dest)
    try:
        nb = nbformat.read(src, as_version=4)
    except (OSError, ValueError) as e:
        raise UsageError(f"cannot read notebook {str(src)!r}: {e}") from None
    # A report never changes the kernel: the notebook's kernel runs without
    # the live-lab request, so notebook 06 shows its recorded run.
    from ...kernel.lab import LIVE_ENV

    env = {k: v for k, v in os.environ.items() if k != LIVE_ENV}
    with tempfile.TemporaryDirectory(prefix="zswapviz-nb-") as work:
        client = NotebookClient(nb, timeout=timeout, kernel_name=kernel_name, resources={"metadata": {"path": work}})
        client.execute(env=env)
    static_widget_outputs(nb)
    strip_paths(nb, machine_paths(work, str(src.resolve().parent), str(Path(dest).resolve().parent)))
    exporter = HTMLExporter(template_name="lab", extra_template_paths=[str(ASSETS)],
                            template_file="notebook.html.j2")
    body, _resources = exporter.from_notebook_node(nb, resources={"metadata": {"name": src.stem}})
    return write_atomic(dest, body)
