"""OCR engine speed and accuracy on generated certificate cards with known text.

For each engine, `ocr.read_document` (preparation + recognition) is timed and scored
against two plain references measured in the same run on the same images:
  - `tesseract IMG - -l chi_sim` as a subprocess (OMP_THREAD_LIMIT=1), no preparation;
  - RapidOCR called directly on the decoded image, in this process (one thread).
Accuracy is character accuracy of the printed field values (name, sex, certificate number,
category, item, issuer): for each value, 1 - edit distance to its best-matching stretch
of the page's text / its length, summed over values. Captures cycle through clean,
flatbed, photocopy and phone photo (synth.degrade).

    .venv/bin/python bench/ocr_engines.py --pages 12

Import `measure(pages)` from bench/ocr.py for the engine-level numbers.

Measured 2026-11-30, 12 cards, 2 shared cores under load ~8 (speeds are noisy; ratios
within one run are what to compare):

    run                                pages/min  char acc  clean flatbed photocopy phone
    tesseract (ocr.read_document)           26.0     0.934  0.940   0.941     0.882 0.975
    reference: tesseract CLI chi_sim        69.2     0.863  0.933   0.933     0.874 0.694
    rapidocr (ocr.read_document)            20.9     1.000  1.000   1.000     1.000 1.000
    reference: RapidOCR plain               33.2     0.998  0.993   1.000     1.000 1.000

Hence AUTO_ENGINE = "rapidocr". The gap to the plain references is page preparation
(orientation check with Tesseract, deskew): it is what turns the phone photos (some are
turned by a quarter) from 0.69 into 0.975 for Tesseract.
"""
from __future__ import annotations

import argparse
import io
import os
import random
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from domain.text import normalise_ocr_text  # noqa: E402
from ocr import read_document  # noqa: E402
from ocr.engines import AUTO_ENGINE, get_engine  # noqa: E402


@dataclass(frozen=True)
class Sample:
    name: str
    data: bytes
    values: tuple[str, ...]  # printed field values, normalised


@dataclass(frozen=True)
class Result:
    label: str
    pages: int
    seconds: float
    matched_chars: int
    total_chars: int
    by_capture: dict[str, float]  # character accuracy per capture kind

    @property
    def pages_per_minute(self) -> float:
        return 60 * self.pages / self.seconds if self.seconds else float("inf")

    @property
    def accuracy(self) -> float:
        return self.matched_chars / self.total_chars if self.total_chars else 0.0


def make_samples(count: int, seed: int = 7) -> list[Sample]:
    from synth.certificates import random_certificate, render_certificate
    from synth.degrade import IMAGE_CAPTURES, capture, encode

    rng = random.Random(seed)
    samples = []
    while len(samples) < count:
        truth = random_certificate(rng)
        if truth.certificate_kind != "special_operation":
            continue
        kind = IMAGE_CAPTURES[len(samples) % len(IMAGE_CAPTURES)]
        image = capture(render_certificate(truth, rng), kind, rng)
        fmt = "jpg" if kind == "phone" else "png"
        values = (truth.name, truth.sex, truth.cert_no, truth.category, truth.item, truth.issuer)
        samples.append(Sample(f"{len(samples):02d}-{kind}.{fmt}", encode(image, fmt),
                              tuple(normalise_ocr_text(v) for v in values if v)))
    return samples


def fuzzy_distance(needle: str, haystack: str) -> int:
    """Smallest edit distance between `needle` and any stretch of `haystack` (Sellers)."""
    previous = list(range(len(needle) + 1))
    best = len(needle)
    for char in haystack:
        current = [0]
        for i, wanted in enumerate(needle, start=1):
            current.append(min(previous[i] + 1, current[i - 1] + 1,
                               previous[i - 1] + (wanted != char)))
        best = min(best, current[-1])
        previous = current
    return best


def score(sample: Sample, text: str) -> tuple[int, int]:
    text = normalise_ocr_text(text).replace("\n", " ")
    matched = sum(max(0, len(v) - fuzzy_distance(v, text)) for v in sample.values)
    return matched, sum(len(v) for v in sample.values)


def _run(label: str, samples: list[Sample], read) -> Result:
    started = time.perf_counter()
    texts = [read(sample) for sample in samples]
    seconds = time.perf_counter() - started
    per_kind: dict[str, list[int]] = {}
    for sample, text in zip(samples, texts):
        kind = sample.name.split("-")[1].split(".")[0]
        counts = per_kind.setdefault(kind, [0, 0])
        m, t = score(sample, text)
        counts[0], counts[1] = counts[0] + m, counts[1] + t
    matched = sum(m for m, _ in per_kind.values())
    total = sum(t for _, t in per_kind.values())
    by_capture = {kind: m / t for kind, (m, t) in per_kind.items() if t}
    return Result(label, len(samples), seconds, matched, total, by_capture)


def _ours(engine: str):
    def read(sample: Sample) -> str:
        return "\n".join(page.text for page in read_document(sample.data, sample.name, engine))
    return read


def _tesseract_cli(workdir: Path):
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}

    def read(sample: Sample) -> str:
        path = workdir / sample.name
        path.write_bytes(sample.data)
        return subprocess.run(["tesseract", str(path), "-", "-l", "chi_sim"], env=env,
                              capture_output=True, text=True, timeout=300).stdout
    return read


def _rapidocr_plain(sample: Sample) -> str:
    ocr = get_engine("rapidocr")._ocr  # same one-thread onnxruntime session, no preparation
    result = ocr(np.asarray(Image.open(io.BytesIO(sample.data)).convert("RGB")))
    return "\n".join(result.txts or ())


def measure(pages: int = 12, seed: int = 7) -> list[Result]:
    """Results for our two engines and the two plain references, on `pages` cards."""
    samples = make_samples(pages, seed)
    get_engine("tesseract"), get_engine("rapidocr")  # load models outside the timings
    read_document(samples[0].data, samples[0].name, "rapidocr")  # warm-up
    with tempfile.TemporaryDirectory() as workdir:
        return [
            _run("tesseract (ocr.read_document)", samples, _ours("tesseract")),
            _run("reference: tesseract CLI chi_sim", samples, _tesseract_cli(Path(workdir))),
            _run("rapidocr (ocr.read_document)", samples, _ours("rapidocr")),
            _run("reference: RapidOCR plain", samples, _rapidocr_plain),
        ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=12, help="generated cards (default 12)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    results = measure(args.pages, args.seed)
    kinds = list(results[0].by_capture)
    print(f"{'run':36} {'pages/min':>10} {'char acc':>9} " + " ".join(f"{k:>9}" for k in kinds))
    for r in results:
        print(f"{r.label:36} {r.pages_per_minute:10.1f} {r.accuracy:9.3f} "
              + " ".join(f"{r.by_capture[k]:9.3f}" for k in kinds))
    ours_t, ref_t, ours_r, ref_r = results
    print(f"tesseract speed vs CLI reference: {ours_t.pages_per_minute / ref_t.pages_per_minute:.2f}x")
    print(f"rapidocr speed vs plain reference: {ours_r.pages_per_minute / ref_r.pages_per_minute:.2f}x")
    better = max((ours_t, ours_r), key=lambda r: r.accuracy).label.split()[0]
    print(f"more accurate engine: {better}; ocr.engines.AUTO_ENGINE = {AUTO_ENGINE!r}")


if __name__ == "__main__":
    main()
