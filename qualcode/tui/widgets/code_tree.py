"""The code tree of the active codebook, with counts and shortcut keys."""

from __future__ import annotations

from rich.text import Text
from textual.message import Message
from textual.widgets import Tree

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
        self.show_root = True
        self.guide_depth = 2

    def show(self, view: CodebookView | None) -> None:
        self.clear()
        if view is None:
            self.root.set_label("No codebook loaded")
            return
        self.root.set_label(Text(f"{view.codebook.name} ({view.codebook.slug})", style="bold"))
        nodes = {None: self.root}
        for code, _depth, count in view.codes:
            label = Text("■ ", style=code.colour or "white")
            label.append(code.label_en)
            label.append(f" {count}", style="dim")
            if code.shortcut:
                label.append(f" [{code.shortcut}]", style="bold")
            parent = nodes.get(code.parent_id, self.root)
            has_children = any(c.parent_id == code.id for c, _, _ in view.codes)
            if has_children:
                nodes[code.id] = parent.add(label, data=code, expand=True)
            else:
                parent.add_leaf(label, data=code)
        self.root.expand()

    def on_tree_node_selected(self, event: Tree.NodeSelected[Code]) -> None:
        event.stop()
        if event.node.data is not None:
            self.post_message(self.Chosen(event.node.data))
