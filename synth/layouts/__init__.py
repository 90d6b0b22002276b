"""A second certificate generator: documents of randomised layout with ground truth, for
judging extraction on documents it was not built around. Deterministic by seed.

    python -m synth.layouts OUT_DIR --split dev|heldout [--n 40] [--seed 1] [--hard]

Designed from domain.md alone (§2, §2.1 wordings in the wild, §3 catalogue, §4 IDs, §5
counties), without reading `ingest/extract/`. grammar (label wording per field, separators,
date forms, one or two columns, label above or beside, spans broken across lines) →
designs (card generations, a booklet, query printouts and screens, an e-certificate, the
住建 and 特种设备 cards, each drawing its own truth) → captures (ordinary and hard, written
apart from synth.degrade) → corpus (files under OUT_DIR/<county>/..., truth.jsonl).

The split. Every variant family is either `dev` or `heldout`, fixed by name:

    designs   dev:     card_classic, card_modern, query_table, ecert, construction_card
              heldout: card_bilingual, card_two_column, booklet, booklet_month_only,
                       local_printout, query_screen, ecert_wallet, equipment_card
    captures  each capture kind has a dev and a heldout flavour (paper, dpi, angle,
              background pattern, thumb position, JPEG quality band, fax line faults):
              family "<capture>/dev" or "<capture>/heldout"

A `--split dev` document uses dev designs in dev flavours only, a `--split heldout` one
held-out designs in held-out flavours only. Label wordings, separators and date forms are
drawn in both (they are the domain's, not a design's).

HELD-OUT: DO NOT TUNE EXTRACTION ON THESE. Extraction work may generate and look at the
`dev` split only; the `heldout` split is run by bench/accuracy.py and its scores recorded
in docs/accuracy.md before any change made for them.
"""
from synth.layouts.corpus import SPLITS, families, generate

__all__ = ["SPLITS", "families", "generate"]
