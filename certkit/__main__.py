"""``python -m certkit``."""

import sys

try:
    from certkit.cli import main
except KeyboardInterrupt:  # Ctrl-C before certkit even started: say so in one line
    print("error: interrupted; nothing was written", file=sys.stderr)
    raise SystemExit(130) from None

if __name__ == "__main__":
    raise SystemExit(main())
