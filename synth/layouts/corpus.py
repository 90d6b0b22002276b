"""Whole held-out (or dev) intakes: files under OUT_DIR/<county>/... and truth.jsonl."""
from __future__ import annotations

import hashlib
import json
import random
from datetime import date
from pathlib import Path

from synth.corpus import COUNTY_FOLDERS
from synth.layouts import captures as cap
from synth.layouts import truth as t
from synth.layouts.designs import DESIGNS

SPLITS = ("dev", "heldout")
# How often a design turns up, given the capture allows it.
WEIGHTS = {"card_classic": 3, "card_modern": 4, "query_table": 2, "ecert": 1, "construction_card": 0.6,
           "card_bilingual": 3, "card_two_column": 3, "booklet": 2, "booklet_month_only": 1,
           "local_printout": 2, "query_screen": 2, "ecert_wallet": 1.5,
           "equipment_card": 0.6}
HANDWRITING = {"card_classic", "card_modern", "card_two_column", "booklet", "booklet_month_only"}
# Too wide to copy four to a page (front and back side by side, booklet spreads).
WIDE = {"card_classic", "booklet", "booklet_month_only"}


def families(split: str) -> set[str]:
    """The variant families of a split: its design names and its capture flavours."""
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r} (dev or heldout)")
    return ({name for name, des in DESIGNS.items() if des.split == split}
            | {f"{c}/{split}" for c in cap.ORDINARY + cap.HARD})


def _designs_for(capture: str, split: str) -> list[str]:
    names = [n for n, des in DESIGNS.items() if des.split == split and des.medium in cap.MEDIA[capture]]
    if capture == "handwritten":
        names = [n for n in names if n in HANDWRITING]
    if capture == "four_up":
        names = [n for n in names if n not in WIDE]
    return names


def _file_name(rng: random.Random, i: int, ext: str) -> str:
    stem = rng.choice(("扫描件", "IMG_2024", "微信图片_2024", "证件", "Scan", "复印件"))
    return f"{rng.choice(('特种作业证', '持证人员', '证件材料', '上报'))}/{stem}_{i:04d}{ext}"


def generate(out_dir: str | Path, n: int, seed: int, split: str, *, hard: bool = False,
             as_of: date = t.AS_OF) -> list[dict]:
    """Write `n` certificate documents of `split` (ordinary or hard captures) and their
    truth (OUT_DIR/truth.jsonl); returns the truth lines. Same arguments, same bytes."""
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r} (dev or heldout)")
    out = Path(out_dir)
    # Cards come more often as scans and photos than anything else.
    kinds = list(cap.HARD) if hard else list(cap.ORDINARY) + ["flatbed", "phone"]
    order = random.Random(f"layouts-plan:{split}:{hard}:{seed}")
    plan: list[str] = []
    while len(plan) < n:
        order.shuffle(kinds)
        plan += kinds
    lines = []
    for i, capture in enumerate(plan[:n]):
        rng = random.Random(f"layouts:{split}:{hard}:{seed}:{i}")
        names = _designs_for(capture, split)
        name = rng.choices(names, weights=[WEIGHTS[x] for x in names])[0]
        count = 4 if capture == "four_up" else 1
        chosen = [name] + [rng.choices(names, weights=[WEIGHTS[x] for x in names])[0] for _ in range(count - 1)]
        cards = [DESIGNS[x].draw_truth(rng, reviewed=capture == "handwritten") for x in chosen]
        opts = {"handwritten": True} if capture == "handwritten" else {}
        renders = [DESIGNS[x].render(c, rng, **opts) for x, c in zip(chosen, cards)]
        if capture == "four_up":
            data, ext = cap.four_up(renders, rng, split)
        else:
            data, ext = cap.CAPTURES[capture](renders[0], rng, split)
        county = rng.choice(COUNTY_FOLDERS)
        rel = f"{county}/{_file_name(rng, i, ext)}"
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        lines.append({"path": rel, "kind": "certificate", "split": split, "hard": hard, "capture": capture,
                      "designs": chosen, "families": sorted(set(chosen) | {f"{capture}/{split}"}),
                      "county": county, "sha256": hashlib.sha256(data).hexdigest(), "as_of": as_of.isoformat(),
                      "records": [t.truth_record(c, as_of, f"card{k}") for k, c in enumerate(cards, 1)]})
    (out / "truth.jsonl").write_text("".join(json.dumps(x, ensure_ascii=False, sort_keys=True) + "\n" for x in lines),
                                     encoding="utf-8")
    return lines
