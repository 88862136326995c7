"""``python -m node.demo`` (``make demo``): the demo network on real data."""

import asyncio
import sys

from node.demo.network import main

sys.exit(asyncio.run(main()))
