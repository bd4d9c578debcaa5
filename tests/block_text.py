"""What blocks say, for tests to compare with the exact text they expect."""
from __future__ import annotations


def block_texts(blocks: list[dict], *, actions: bool = False) -> list[str]:
    """In order: a section's or header's text, a context's elements joined by a space, and with
    `actions` an actions block's buttons' labels (a select's placeholder) joined by " | "."""
    out = []
    for b in blocks:
        if b["type"] in ("section", "header"):
            out.append(b["text"]["text"])
        elif b["type"] == "context":
            out.append(" ".join(e["text"] for e in b["elements"]))
        elif b["type"] == "actions" and actions:
            out.append(" | ".join((e.get("text") or e.get("placeholder"))["text"] for e in b["elements"]))
    return out
