"""The code tree of the active codebook, with counts and shortcut keys.

The shortcut key comes first on each line: a narrow tree cuts a label's end, and the
key is what a coder must never lose.
"""

from __future__ import annotations

from rich.text import Text
from textual.message import Message
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from qualcode.core.codebook import Code
from qualcode.services.workbench import CodebookView


class CodeTree(Tree[Code]):
    """Selecting a code (Enter or a click) asks for it to be applied."""

    class Chosen(Message):
        def __init__(self, code: Code) -> None:
            super().__init__()
            self.code = code

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__("Codes", id=id)
        self._code_nodes: dict[int, TreeNode[Code]] = {}
        self._shown: list[tuple] = []  # type: ignore[type-arg]
        self._book: int | None = None
        self.show_root = True
        self.guide_depth = 2

    def show(self, view: CodebookView | None) -> None:
        """Show ``view``; when it is the codebook already shown, only relabel the counts."""
        if view is not None and self._shown == _shape(view) and self._book == view.codebook.id:
            for code, _depth, count in view.codes:
                self._code_nodes[code.id].set_label(_label(code, count))
            return
        self._code_nodes = {}
        self._shown = _shape(view) if view else []
        self._book = view.codebook.id if view else None
        self.clear()
        if view is None:
            self.root.set_label("No codebook loaded")
            return
        self.root.set_label(Text(f"{view.codebook.name} ({view.codebook.slug})", style="bold"))
        nodes = {None: self.root}
        parents = {c.parent_id for c, _, _ in view.codes}
        for code, _depth, count in view.codes:
            label = _label(code, count)
            parent = nodes.get(code.parent_id, self.root)
            if code.id in parents:
                nodes[code.id] = parent.add(label, data=code, expand=True)
                self._code_nodes[code.id] = nodes[code.id]
            else:
                self._code_nodes[code.id] = parent.add_leaf(label, data=code)
        self.root.expand()

    def on_tree_node_selected(self, event: Tree.NodeSelected[Code]) -> None:
        event.stop()
        if event.node.data is not None:
            self.post_message(self.Chosen(event.node.data))


def _shape(view: CodebookView) -> list[tuple]:  # type: ignore[type-arg]
    """What decides the tree's nodes; counts alone change only labels."""
    return [(c.id, c.parent_id, c.label_en, c.colour, c.shortcut) for c, _, _ in view.codes]


def _label(code: Code, count: int) -> Text:
    label = Text(f"[{code.shortcut}] " if code.shortcut else "    ", style="bold")
    label.append("■ ", style=code.colour or "white")
    label.append(code.label_en)
    label.append(f" {count}", style="dim")
    return label
