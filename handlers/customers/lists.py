"""The lists of /crm find and /crm mine, and the pick list of a name that matches several customers."""
from __future__ import annotations

from handlers.blocks import clip, context as context_block, escape, lines_sections, section, vocab
from handlers.i18n import t
from handlers.words import person
from store.customers import StageGroup
from store.models import Customer


def pick_list(customers: list[Customer], loc: str) -> str:
    return "\n".join(t(loc, "cust_pick_line", code=c.code, name=escape(clip(c.name, 80))) for c in customers)

def find_blocks(query: str, found: list[Customer], *, limit: int, loc: str) -> tuple[str, list[dict]]:
    """At most `limit` of `found`; a note to refine the words when there are more."""
    if not found:
        text = t(loc, "cust_find_none", query=escape(clip(query, 100)))
        return text, [section(text)]
    shown = found[:limit]
    head = t(loc, "cust_find_head", query=escape(clip(query, 100)), count=f"{limit}+" if len(found) > limit else len(found))
    lines = [t(loc, "cust_list_line", code=c.code, name=escape(clip(c.name, 60)), stage=vocab(loc, "stage", c.stage),
               owner=person(c.owner_id, loc)) for c in shown]
    blocks = lines_sections(head, lines, loc=loc, sections=3)
    if len(found) > limit:
        blocks.append(context_block(t(loc, "cust_find_more", limit=limit)))
    return head.strip("*"), blocks

def mine_blocks(groups: list[StageGroup], loc: str) -> tuple[str, list[dict]]:
    """One section per stage (five at most): the count and the first customers of each."""
    if not groups:
        text = t(loc, "cust_mine_none")
        return text, [section(text)]
    head = t(loc, "cust_mine_head", count=sum(g.count for g in groups))
    blocks = [section(head)]
    for g in groups:
        title = t(loc, "cust_mine_stage", stage=vocab(loc, "stage", g.stage), count=g.count)
        lines = [t(loc, "cust_mine_line", code=c.code, name=escape(clip(c.name, 60)), status=vocab(loc, "status", c.status))
                 for c in g.customers]
        blocks += lines_sections(title, lines, loc=loc, total=g.count)
    return head.strip("*"), blocks
