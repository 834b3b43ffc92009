"""Make the short sample briefing used by the demo and the tests: a title card with spoken words and captions.

Needs Debian's ffmpeg and espeak-ng (`apt-get install -y ffmpeg espeak-ng`). The result is committed in
tests/fixtures/briefings/, so nothing else needs these tools.
"""

import shutil
import subprocess
import tempfile
import wave
from pathlib import Path

SENTENCES = [
    "Welcome to the Signs of Safety partner briefing.",
    "Signs of Safety starts from what is going well for a family.",
    "This short clip is a sample for trying the service.",
]
CHAPTERS = ["Welcome", "What Signs of Safety is", "About this sample"]
TITLE = "Signs of Safety"
SUBTITLE = "Partner briefing: a short sample"
FOOTER = "Cumbria Safeguarding Children Partnership"
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
PAUSE_SECONDS = 0.4
FILES = ("sample.webm", "sample.mp4", "sample.vtt", "sample-chapters.vtt", "sample-transcript.txt", "sample-poster.png")


class SampleError(Exception):
    """A tool the sample needs is missing or failed."""


def run(*command: str) -> None:
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise SampleError(f"{command[0]} failed:\n{done.stderr[-2000:]}")


def timestamp(seconds: float) -> str:
    """00:00:02.480"""
    millis = round(seconds * 1000)
    return f"{millis // 3_600_000:02d}:{millis // 60_000 % 60:02d}:{millis // 1000 % 60:02d}.{millis % 1000:03d}"


def speak(sentences: list[str], work: Path) -> tuple[Path, list[tuple[float, float]]]:
    """One WAV of every sentence with a pause after each, and when each sentence starts and ends."""
    timings, frames, params = [], [], None
    position = 0.0
    for number, sentence in enumerate(sentences):
        path = work / f"sentence-{number}.wav"
        run("espeak-ng", "-v", "en-gb", "-s", "150", "-w", str(path), sentence)
        with wave.open(str(path)) as clip:
            params = clip.getparams()
            data = clip.readframes(clip.getnframes())
            length = clip.getnframes() / clip.getframerate()
        silence = b"\0" * (int(PAUSE_SECONDS * params.framerate) * params.sampwidth * params.nchannels)
        frames.append(data + silence)
        timings.append((position, position + length))
        position += length + PAUSE_SECONDS
    narration = work / "narration.wav"
    with wave.open(str(narration), "wb") as out:
        out.setparams(params)
        out.writeframes(b"".join(frames))
    return narration, timings


def title_card(poster: Path, work: Path) -> None:
    """A 640 by 360 title card in white on dark blue."""
    lines = [(TITLE, 44, 110), (SUBTITLE, 26, 180), (FOOTER, 20, 300)]
    filters = []
    for number, (text, size, y) in enumerate(lines):
        text_file = work / f"line-{number}.txt"
        text_file.write_text(text)
        filters.append(
            f"drawtext=fontfile={FONT}:textfile={text_file}:fontcolor=white:fontsize={size}:x=(w-tw)/2:y={y}"
        )
    run("ffmpeg", "-y", "-loglevel", "error", "-f", "lavfi", "-i", "color=c=0x003078:s=640x360:d=1",
        "-vf", ",".join(filters), "-frames:v", "1", str(poster))  # fmt: skip


def encode(poster: Path, narration: Path, out: Path) -> None:
    """The title card held for the length of the narration: WebM (VP9, Opus) and MP4 (H.264, AAC)."""
    with wave.open(str(narration)) as clip:
        length = clip.getnframes() / clip.getframerate()
    # An exact length: -shortest overshoots with a looped image.
    source = ["-loop", "1", "-framerate", "10", "-i", str(poster), "-i", str(narration), "-t", f"{length:.3f}"]
    run("ffmpeg", "-y", "-loglevel", "error", *source, "-c:v", "libvpx-vp9", "-b:v", "0", "-crf", "45",
        "-pix_fmt", "yuv420p", "-g", "100", "-c:a", "libopus", "-b:a", "24k", str(out / "sample.webm"))  # fmt: skip
    run("ffmpeg", "-y", "-loglevel", "error", *source, "-c:v", "libx264", "-preset", "veryslow", "-crf", "35",
        "-tune", "stillimage", "-pix_fmt", "yuv420p", "-profile:v", "main", "-c:a", "aac", "-b:a", "32k",
        "-movflags", "+faststart", str(out / "sample.mp4"))  # fmt: skip


def make_sample(out: Path) -> list[Path]:
    """Make the sample video, captions, chapters, transcript and poster in `out`; return their paths."""
    for tool in ("ffmpeg", "espeak-ng"):
        if shutil.which(tool) is None:
            raise SampleError(f"{tool} is not installed. Install it with: apt-get install -y ffmpeg espeak-ng")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        narration, timings = speak(SENTENCES, work)
        poster = out / "sample-poster.png"
        title_card(poster, work)
        encode(poster, narration, out)
    captions = ["WEBVTT", ""]
    chapters = ["WEBVTT", ""]
    for number, ((start, end), sentence) in enumerate(zip(timings, SENTENCES, strict=True), start=1):
        captions += [str(number), f"{timestamp(start)} --> {timestamp(end)}", sentence, ""]
        chapter_end = timings[number][0] if number < len(timings) else end + PAUSE_SECONDS
        chapters += [f"{timestamp(start)} --> {timestamp(chapter_end)}", CHAPTERS[number - 1], ""]
    (out / "sample.vtt").write_text("\n".join(captions))
    (out / "sample-chapters.vtt").write_text("\n".join(chapters))
    (out / "sample-transcript.txt").write_text(
        "Signs of Safety partner briefing: a short sample\n\n" + "\n\n".join(SENTENCES) + "\n"
    )
    return [out / name for name in FILES]
