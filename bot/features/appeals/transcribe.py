"""Speech to text for voice messages, only where an operator configures an offline model.

`APPEALS_TRANSCRIBE_MODEL` names a folder holding a sherpa-onnx SenseVoice model (`model.int8.onnx` or `model.onnx`,
and `tokens.txt`), which the operator downloads and installs with `pip install sherpa-onnx` (not a dependency of
the bot: 40 MB, and useless without a model). Unset, nothing is transcribed and nothing pretends to be: a voice
message is described as 「（语音 1 条）」. Set but unusable, the bot refuses to start with the reason.
"""

from __future__ import annotations

import io
import wave
from collections.abc import Callable
from pathlib import Path

Transcriber = Callable[[bytes], str]  # 16-bit mono WAV → text; blocking (runs in a worker thread)
MODEL_FILES = ("model.int8.onnx", "model.onnx")


class NoModel(ValueError):
    """The configured model cannot be used (the message says why, for the operator)."""


def sense_voice(folder: Path, threads: int = 1) -> Transcriber:
    """A transcriber over a sherpa-onnx SenseVoice model in `folder` (Chinese, offline, on the CPU)."""
    model = next((folder / name for name in MODEL_FILES if (folder / name).is_file()), None)
    tokens = folder / "tokens.txt"
    if model is None or not tokens.is_file():
        raise NoModel(f"APPEALS_TRANSCRIBE_MODEL={folder}: no model.int8.onnx/model.onnx with tokens.txt there")
    try:
        import sherpa_onnx  # pyright: ignore[reportMissingImports]  (installed by the operator who wants it)
    except ImportError:
        raise NoModel(
            "APPEALS_TRANSCRIBE_MODEL is set but sherpa-onnx is not installed: pip install sherpa-onnx"
        ) from None
    recognizer = sherpa_onnx.OfflineRecognizer.from_sense_voice(
        model=str(model), tokens=str(tokens), num_threads=threads, language="zh", use_itn=True
    )

    def transcribe(wav: bytes) -> str:
        import numpy

        with wave.open(io.BytesIO(wav)) as sound:
            rate, frames = sound.getframerate(), sound.readframes(sound.getnframes())
        samples = numpy.frombuffer(frames, dtype=numpy.int16).astype(numpy.float32) / 32768
        stream = recognizer.create_stream()
        stream.accept_waveform(rate, samples)
        recognizer.decode_stream(stream)
        return str(stream.result.text).strip()

    return transcribe
