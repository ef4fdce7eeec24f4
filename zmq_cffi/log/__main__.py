"""Print the records that PUBHandlers publish: `python -m zmq_cffi.log tcp://host:port`.

Options: --topic (subscribe to a prefix only; default everything), --timestamp (with
--dateformat), --separator between topic and text, --align (line topics up in columns), and
--color (by level; needs the colorama package). Stop with Ctrl-C.
"""
from __future__ import annotations

import argparse
import sys
from datetime import datetime
from typing import Dict, List, Optional, Sequence

import zmq_cffi as zmq

_LEVEL_COLORS = {
    "DEBUG": "LIGHTCYAN_EX",
    "INFO": "LIGHTWHITE_EX",
    "WARNING": "YELLOW",
    "ERROR": "LIGHTRED_EX",
    "CRITICAL": "LIGHTRED_EX",
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m zmq_cffi.log", description="Print log records published by PUBHandler."
    )
    parser.add_argument("zmq_pub_url", help="endpoint of the PUB socket, e.g. tcp://127.0.0.1:5555")
    parser.add_argument("-t", "--topic", default="", help="only records whose topic starts with this")
    parser.add_argument("--timestamp", action="store_true", help="start each line with the local time")
    parser.add_argument("--separator", default=" | ", help="text between topic and message")
    parser.add_argument("--dateformat", default="%Y-%d-%m %H:%M", help="strftime format for --timestamp")
    parser.add_argument("--align", action="store_true", help="pad topic parts into columns")
    parser.add_argument("--color", action="store_true", help="color lines by level (needs colorama)")
    return parser


def _level_of(parts: List[str]) -> str:
    # Topics are "<LEVEL>[.sub]" or "<root>.<LEVEL>[.sub]".
    for part in parts[:2]:
        if part in _LEVEL_COLORS:
            return part
    return parts[0] if parts else ""


def main(argv: Optional[Sequence[str]] = None) -> None:
    """Subscribe to `zmq_pub_url` and print each record until interrupted."""
    args = _parser().parse_args(argv)
    colors: Dict[str, str] = {}
    reset = ""
    if args.color:
        try:
            import colorama
        except ImportError as e:
            raise SystemExit(f"--color needs the 'colorama' package (pip install colorama): {e}")
        colorama.init()
        colors = {level: getattr(colorama.Fore, name) for level, name in _LEVEL_COLORS.items()}
        reset = colorama.Fore.RESET

    ctx = zmq.Context()
    sub = ctx.socket(zmq.SUB)
    sub.linger = 0
    sub.subscribe(args.topic)
    sub.connect(args.zmq_pub_url)
    widths: List[int] = []
    try:
        while True:
            frames = sub.recv_multipart()
            if len(frames) != 2:
                continue
            topic = frames[0].decode("utf-8", "replace").strip()
            text = frames[1].decode("utf-8", "replace").rstrip("\n")
            parts = topic.split(".")
            if args.align:
                widths.extend([0] * (len(parts) - len(widths)))
                for i, part in enumerate(parts):
                    widths[i] = max(widths[i], len(part))
                shown = ".".join(part.ljust(widths[i]) for i, part in enumerate(parts))
                # Pad missing trailing parts too, so the separators line up.
                shown += "".join(" " * (w + 1) for w in widths[len(parts):])
            else:
                shown = topic
            stamp = datetime.now().strftime(args.dateformat) + " " if args.timestamp else ""
            color = colors.get(_level_of(parts), "")
            print(f"{stamp}{color}{shown}{args.separator}{text}{reset if color else ''}", flush=True)
    except KeyboardInterrupt:
        pass
    finally:
        sub.close()
        ctx.term()
        if reset:
            print(reset, end="")


if __name__ == "__main__":
    main(sys.argv[1:])
