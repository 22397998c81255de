"""QQ voice (SILK v3) to WAV for browsers: silk-python (`pysilk`) against pilk, on the same recordings.

    python bench/silk.py [--seconds 60] [--rounds 20]

A voice message is made here (speech-like: a tone gliding between 120 and 400 Hz with syllable-length bursts and
pauses, 24 kHz mono), encoded once to SILK with QQ's 0x02 prefix by silk-python, then decoded `--rounds` times by
each library that is installed. Printed per library: the median and the slowest decode of one message, its real-time
factor, and whether it read the same file (same duration). pilk is not a dependency of the bot (GPLv3, file paths
only); install it into a scratch venv to compare: `pip install pilk`.
"""

from __future__ import annotations

import argparse
import io
import math
import os
import statistics
import tempfile
import time
from array import array

RATE = 24000


def speech_like(seconds: float) -> bytes:
    """16-bit mono PCM that a speech codec treats like speech: voiced bursts with pitch glides and pauses."""
    samples = array("h")
    phase = 0.0
    for n in range(int(seconds * RATE)):
        t = n / RATE
        syllable = t % 0.35
        voiced = syllable < 0.25 and (t % 3.0) < 2.4
        pitch = 120 + 280 * (0.5 + 0.5 * math.sin(2 * math.pi * 0.7 * t))
        phase += 2 * math.pi * pitch / RATE
        envelope = math.sin(math.pi * syllable / 0.25) if voiced else 0.0
        value = envelope * (0.6 * math.sin(phase) + 0.3 * math.sin(2 * phase) + 0.1 * math.sin(3 * phase))
        samples.append(int(9000 * value))
    return samples.tobytes()


def encode(pcm: bytes) -> bytes:
    """SILK v3 as QQ sends it (0x02 before `#!SILK_V3`)."""
    import pysilk

    out = io.BytesIO()
    pysilk.encode(io.BytesIO(pcm), out, RATE, 24000, tencent=True)
    return out.getvalue()


def with_pysilk(silk: bytes) -> int:
    """Decode with silk-python (file objects in memory); the PCM length in bytes."""
    import pysilk

    out = io.BytesIO()
    pysilk.decode(io.BytesIO(silk), out, RATE)
    return len(out.getvalue())


def with_pilk(silk: bytes) -> int:
    """Decode with pilk (it reads and writes file paths only)."""
    import pilk  # pyright: ignore[reportMissingImports]  (not a dependency: installed only to compare)

    with tempfile.TemporaryDirectory() as folder:
        source, target = os.path.join(folder, "in.silk"), os.path.join(folder, "out.pcm")
        with open(source, "wb") as handle:
            handle.write(silk)
        pilk.decode(source, target, pcm_rate=RATE)
        return os.path.getsize(target)


def main() -> None:
    """Encode once, decode with each installed library, print the figures."""
    parser = argparse.ArgumentParser(description="SILK to WAV: silk-python against pilk")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    silk = encode(speech_like(args.seconds))
    print(f"voice: {args.seconds:.0f} s speech-like, SILK {len(silk) / 1024:.1f} KiB, {args.rounds} rounds each")
    for name, decode in (("silk-python", with_pysilk), ("pilk", with_pilk)):
        try:
            decode(silk)
        except ImportError:
            print(f"{name:12} not installed")
            continue
        times, length = [], 0
        for _ in range(args.rounds):
            started = time.perf_counter()
            length = decode(silk)
            times.append(time.perf_counter() - started)
        median, worst = statistics.median(times), max(times)
        heard = length / 2 / RATE
        print(
            f"{name:12} median {median * 1000:7.1f} ms  slowest {worst * 1000:7.1f} ms  "
            f"{args.seconds / median:6.0f}x real time  decoded {heard:.2f} s"
        )


if __name__ == "__main__":
    main()
