"""The floor: a bare lxml iterparse pass that builds and clears each <item>, nothing else.

Every wpmigrate command is measured against this in the same run on the same
file: it is the cost of the XML parser itself, which no reader can beat.

    python benchmarks/floor.py export.xml
"""

from __future__ import annotations

import sys

from lxml import etree


def main(path: str) -> int:
    """Parse ``path``, clearing each item as it ends; print the item count."""
    items = 0
    for _event, item in etree.iterparse(path, tag="item", huge_tree=True):
        items += 1
        item.clear(keep_tail=False)
        while item.getprevious() is not None:
            del item.getparent()[0]
    print(items)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
