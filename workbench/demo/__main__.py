"""``python -m workbench.demo [FOLDER]`` builds the demo engagement (default ``data/demo``)."""

import sys

from workbench.demo import build_demo
from workbench.paths import demo_dir

if __name__ == "__main__":
    target = build_demo(sys.argv[1] if len(sys.argv) > 1 else demo_dir())
    print(target)
