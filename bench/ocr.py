"""Whole-pipeline intake benchmark: `zhili ingest` against plain OCR in the same run.

Measures, on generated scanned certificates (one page per PDF, 300 dpi flatbed scans):
pages/min of `zhili ingest --engine E --jobs 1|2` (wall time of the command: start-up,
hashing, OCR, extraction, appends, projections), text-layer PDFs in pages/s, that
re-ingesting known bytes reads nothing (PageRead count), and, on the same pages, the
references: `ocrmypdf --sidecar` per file, `tesseract IMG - -l chi_sim` one page after
another (OMP_THREAD_LIMIT=1), and RapidOCR in one Python process.

    python bench/ocr.py [--pages 20] [--text-pages 400] [--engines tesseract,rapidocr] [--no-ocrmypdf]
    python bench/ocr.py --mixed --pages 12 --no-text --no-ocrmypdf   # issue 10's mixed set

Field accuracy per field and engine is bench/accuracy.py's job, not this one's.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
ENV = {**os.environ, "OMP_THREAD_LIMIT": "1", "OMP_NUM_THREADS": "1"}


def make_scans(folder: Path, images: Path, n: int) -> list[Path]:
    """`n` one-page scanned certificate PDFs, and the page images they hold."""
    from synth.certificates import random_certificate, render_certificate
    from synth.degrade import flatbed, image_pdf

    pdfs = []
    for i in range(n):
        rng = random.Random(f"bench-ocr:{i}")
        page = flatbed(render_certificate(random_certificate(rng), rng), rng)
        pdf = folder / "泰山区" / f"scan-{i:03}.pdf"
        pdf.parent.mkdir(parents=True, exist_ok=True)
        pdf.write_bytes(image_pdf([page], dpi=300))
        images.mkdir(parents=True, exist_ok=True)
        page.convert("RGB").save(images / f"scan-{i:03}.png")
        pdfs.append(pdf)
    return pdfs


def make_mixed(folder: Path, images: Path, n: int) -> list[Path]:
    """Issue 10's mixed set, in turn: a phone photo of a card at 2400x1800 (JPEG), an A4
    report page at 300 dpi (image PDF), a card scan at 200-300 dpi (image PDF)."""
    from synth.certificates import random_certificate, render_certificate
    from synth.degrade import A4_300DPI, encode, flatbed, image_pdf, phone
    from synth.reports import random_report, render_report

    files = []
    images.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        rng = random.Random(f"bench-ocr-mixed:{i}")
        kind = ("phone", "a4", "scan")[i % 3]
        if kind == "phone":
            page = phone(render_certificate(random_certificate(rng), rng), rng, rotate=0).resize((2400, 1800))
            data, suffix = encode(page, "jpeg", quality=80), ".jpg"
        elif kind == "a4":
            page = render_report(random_report(rng), rng)[0].convert("RGB").resize(A4_300DPI)
            data, suffix = image_pdf([page], dpi=300), ".pdf"
        else:
            dpi = rng.choice((200, 250, 300))
            card = render_certificate(random_certificate(rng), rng)  # ~300 dpi
            card = card.resize((round(card.width * dpi / 300), round(card.height * dpi / 300)))
            page = flatbed(card, rng)
            data, suffix = image_pdf([page], dpi=dpi), ".pdf"
        out = folder / "泰山区" / f"{kind}-{i:03}{suffix}"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
        page.convert("RGB").save(images / f"{kind}-{i:03}.png")
        files.append(out)
    return files


def make_text_pdfs(folder: Path, pages: int, per_doc: int = 20) -> int:
    """Text-layer PDFs (a certificate list printed from a register), `per_doc` pages each."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    from synth.certificates import random_certificate

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    made = 0
    for d in range(0, pages, per_doc):
        buf = io.BytesIO()
        pdf = canvas.Canvas(buf, invariant=1)
        for p in range(min(per_doc, pages - d)):
            card = random_certificate(random.Random(f"bench-text:{d}:{p}")).fields()
            pdf.setFont("STSong-Light", 13)
            rows = ["特种作业操作证", f"证号 {card['cert_no']}", f"姓名 {card['name']}  性别 {card['sex']}",
                    f"作业类别 {card['category']}", f"准操项目 {card['item']}",
                    f"有效期限 {card['valid_from']} 至 {card['valid_until']}", f"发证机关 {card['issuer']}"]
            for i, row in enumerate(rows):
                pdf.drawString(60, 780 - 24 * i, row)
            pdf.showPage()
            made += 1
        pdf.save()
        out = folder / "泰山区" / f"register-{d // per_doc:03}.pdf"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(buf.getvalue())
    return made


def zhili_ingest(work: Path, name: str, folder: Path, *args: str) -> tuple[float, str]:
    db = work / f"{name}.db"
    cmd = [str(BIN / "zhili"), "--db", f"sqlite:///{db}", "ingest", str(folder), *args]
    started = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, env={**ENV, "ZHILI_DOCS": str(work / f"{name}-docs")})
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"zhili ingest failed: {done.stderr.strip().splitlines()[-1:]}")
    return elapsed, done.stdout.strip().splitlines()[-1]


def page_reads(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT data FROM zhili_events WHERE type = 'PageRead'").fetchall()
    engines: dict[str, int] = {}
    for (data,) in rows:
        engine = json.loads(data)["engine"]
        engines[engine] = engines.get(engine, 0) + 1
    return engines


def plain_tesseract(images: list[Path]) -> float:
    started = time.perf_counter()
    for image in images:
        subprocess.run(["tesseract", str(image), "-", "-l", "chi_sim"], capture_output=True, env=ENV, check=True)
    return time.perf_counter() - started


PLAIN_RAPIDOCR = """
import sys, time
from pathlib import Path
import rapidocr
from rapidocr import RapidOCR
models = Path(rapidocr.__file__).parent / "models"
params = {"Global.log_level": "error",
          "EngineConfig.onnxruntime.intra_op_num_threads": 1, "EngineConfig.onnxruntime.inter_op_num_threads": 1,
          "Det.model_path": str(sorted(models.glob("*det*.onnx"))[0]),
          "Rec.model_path": str(sorted(models.glob("*rec*.onnx"))[0]),
          "Cls.model_path": str(sorted(models.glob("*cls*.onnx"))[0])}
engine = RapidOCR(params=params)
for path in sys.argv[1:]:
    engine(path)
"""


def plain_rapidocr(images: list[Path]) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", PLAIN_RAPIDOCR, *map(str, images)], env=ENV, check=True, capture_output=True)
    return time.perf_counter() - started


ENGINE_ALONE = """
import sys, time
from ocr import Limits, read_document
engine = sys.argv[1]
for path in sys.argv[2:]:
    read_document(open(path, "rb").read(), path, engine, Limits())
"""


def engine_alone(engine: str, pdfs: list[Path]) -> float:
    """zhili's own reader (`ocr.read_document`) in one process: the pipeline's share is the rest."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", ENGINE_ALONE, engine, *map(str, pdfs)], env=ENV, check=True,
                   capture_output=True, cwd=ROOT)
    return time.perf_counter() - started


def ocrmypdf(pdfs: list[Path], out: Path) -> float:
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    for pdf in pdfs:
        subprocess.run([str(BIN / "ocrmypdf"), "-q", "-l", "chi_sim", "--sidecar", str(out / (pdf.stem + ".txt")),
                        str(pdf), str(out / pdf.name)], env=ENV, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=20, help="scanned pages (one per PDF)")
    parser.add_argument("--text-pages", type=int, default=400, help="text-layer pages")
    parser.add_argument("--engines", default="tesseract,rapidocr")
    parser.add_argument("--no-ocrmypdf", action="store_true")
    parser.add_argument("--no-text", action="store_true", help="skip the text-layer run")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--mixed", action="store_true",
                        help="issue 10's mixed set (phone photos 2400x1800, A4 pages at 300 dpi, card scans "
                             "at 200-300 dpi) instead of 300 dpi card scans")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="zhili-bench-ocr-"))
    try:
        run(args, work)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def run(args, work: Path) -> None:
    scans, images = work / "scans", work / "images"
    pdfs = (make_mixed if args.mixed else make_scans)(scans, images, args.pages)
    pngs = sorted(images.glob("*.png"))
    n = len(pdfs)
    print(f"# zhili intake benchmark: {n} scanned pages, {os.cpu_count()} CPUs, OMP_THREAD_LIMIT=1")
    rate: dict[tuple[str, int], float] = {}
    for engine in args.engines.split(","):
        for jobs in (1, 2):
            elapsed, summary = zhili_ingest(work, f"{engine}-{jobs}", scans, "--engine", engine, "--jobs", str(jobs))
            rate[engine, jobs] = n / elapsed * 60
            print(f"zhili ingest --engine {engine} --jobs {jobs}: {elapsed:6.1f} s  {rate[engine, jobs]:6.1f} pages/min"
                  f"  ({summary})")
        print(f"  scaling 1 -> 2 jobs ({engine}): {rate[engine, 2] / rate[engine, 1]:.2f}x (goal >= 1.7x)")

    last = args.engines.split(",")[-1]
    db = work / f"{last}-2.db"
    before = sum(page_reads(db).values())
    elapsed, summary = zhili_ingest(work, f"{last}-2", scans, "--engine", last, "--jobs", "2")
    after = sum(page_reads(db).values())
    print(f"re-ingest of the same {n} files: {elapsed:.1f} s, pages read again: {after - before} (goal 0)  ({summary})")

    if not args.no_text:
        text_layer_run(args, work)
    references(args, work, n, pdfs, pngs, rate)


def text_layer_run(args, work: Path) -> None:
    (work / "empty").mkdir()
    startup, _ = zhili_ingest(work, "text", work / "empty", "--jobs", "2")
    text_dir = work / "text"
    text_pages = make_text_pdfs(text_dir, args.text_pages)
    elapsed, summary = zhili_ingest(work, "text", text_dir, "--jobs", "2")
    engines = page_reads(work / "text.db")
    print(f"text-layer PDFs: {text_pages} pages in {elapsed:.1f} s = {text_pages / elapsed:.0f} pages/s; "
          f"less the {startup:.1f} s of an empty run: {text_pages / max(elapsed - startup, 1e-3):.0f} pages/s "
          f"(goal >= 50; engines {engines})")


def references(args, work: Path, n: int, pdfs: list[Path], pngs: list[Path], rate: dict) -> None:
    print("# references on the same pages")
    t_tess = plain_tesseract(pngs)
    plain_tess_rate = n / t_tess * 60
    print(f"tesseract IMG - -l chi_sim, one after another: {t_tess:6.1f} s  {plain_tess_rate:6.1f} pages/min")
    t_rapid = plain_rapidocr(pngs)
    plain_rapid_rate = n / t_rapid * 60
    print(f"RapidOCR in one process:                      {t_rapid:6.1f} s  {plain_rapid_rate:6.1f} pages/min")
    for engine in args.engines.split(","):
        alone = n / engine_alone(engine, pdfs) * 60
        print(f"zhili's reader alone ({engine}, one process, no pipeline): {alone:6.1f} pages/min"
              f" -> pipeline --jobs 1 keeps {rate[engine, 1] / alone:.0%} of it")
    best = max(rate.values())
    if not args.no_ocrmypdf:
        t_ocrmypdf = ocrmypdf(pdfs, work / "ocrmypdf")
        ocrmypdf_rate = n / t_ocrmypdf * 60
        print(f"ocrmypdf -l chi_sim --sidecar, per file:      {t_ocrmypdf:6.1f} s  {ocrmypdf_rate:6.1f} pages/min")
        print(f"ratio zhili (best, {best:.1f} pages/min) / ocrmypdf: {best / ocrmypdf_rate:.2f}x (goal >= 3x)")
    if ("tesseract", 2) in rate:
        print(f"ratio zhili tesseract --jobs 2 / plain tesseract: {rate['tesseract', 2] / plain_tess_rate:.2f}x (goal >= 1.5x)")
    if ("rapidocr", 2) in rate:
        print(f"ratio zhili rapidocr --jobs 2 / plain RapidOCR:  {rate['rapidocr', 2] / plain_rapid_rate:.2f}x (goal >= 1.0x)")


if __name__ == "__main__":
    main()
