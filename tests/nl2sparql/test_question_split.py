"""The held-out questions (examples/questions/questions.yaml) must stay out of the translator's
retrieval catalogue (nl2sparql/catalogue/): no evaluated question, and no close paraphrase of
one, may be a catalogue example, or the evaluation measures recall of memorised answers.

"Close paraphrase" is defined in examples/questions/split.py: normalised text, slots of both
sides filled with the same values, rapidfuzz token-set ratio >= 90. If the catalogue does not
exist yet this test FAILS: the split cannot be checked.
"""

from __future__ import annotations

import json

import pytest

from nl2sparql.evaluate import question_package
from source_generator.generate import generate

pkg = question_package()
split = __import__(f"{pkg.__name__}.split", fromlist=["split"])
CATALOGUE = split.CATALOGUE
THRESHOLD = split.THRESHOLD


@pytest.fixture(scope="module")
def held_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("split_sources")
    generate(out, scale=0.02, seed=24107)
    data = pkg.SourceData(out)
    return pkg.instantiate(pkg.load_questions(), data, with_gold=False), split.lexicon(data)


def test_catalogue_exists_and_has_questions():
    assert CATALOGUE.is_dir(), (
        f"{CATALOGUE} does not exist: the translator's retrieval catalogue is needed to check that no held-out "
        f"question (examples/questions/questions.yaml) is in it")
    found = split.catalogue_questions()
    assert found, f"{CATALOGUE}: no question strings found in any file (looked for keys like question/vraag/nl/text)"


def test_no_held_out_question_or_paraphrase_in_catalogue(held_out):
    instances, lexicon = held_out
    assert CATALOGUE.is_dir(), f"{CATALOGUE} does not exist yet: the split cannot be checked"
    catalogue = split.catalogue_questions()
    assert catalogue, f"{CATALOGUE}: no question strings found"
    clashes = split.near_duplicates(instances, lexicon, catalogue)
    ids = sorted({c.id for c in clashes})
    assert not clashes, (f"{len(clashes)} held-out question/catalogue pair(s) are near-duplicates "
                         f"(token-set ratio >= {THRESHOLD}), {len(ids)} held-out question(s): {', '.join(ids)}\n  "
                         + "\n  ".join(str(c) for c in clashes[:80]))


def test_helpers_find_questions_in_any_format(tmp_path):
    """The catalogue reader and the similarity itself, on hand-made files of each format."""
    (tmp_path / "a.yaml").write_text("- id: x\n  vraag: Wat kost een rijbewijs?\n  sparql: SELECT ?x WHERE {?x ?p ?o}\n"
                                     "  slots: {p: product?}\n  parafrasen: [Prijs van een rijbewijs]\n", encoding="utf-8")
    (tmp_path / "b.jsonl").write_text(json.dumps({"question": "Hoeveel adressen in {deelgemeente}?", "sparql": "ASK {}"})
                                      + "\n", encoding="utf-8")
    (tmp_path / "c.rq").write_text("# vraag: Welke loketten zijn open?\nSELECT * WHERE { ?s ?p ?o }\n", encoding="utf-8")
    found = sorted(q for _, q in split.catalogue_questions(tmp_path))
    assert found == ["Hoeveel adressen in {deelgemeente}?", "Prijs van een rijbewijs", "Wat kost een rijbewijs?",
                     "Welke loketten zijn open?"]
    assert split._fill("Hoeveel adressen in {deelgemeente}?", {"deelgemeente": "Bost"}) == "Hoeveel adressen in Bost?"
    assert split._fill("status van {{dossiernummer}}", {}) == "status van dossiernummer"
    from rapidfuzz import fuzz
    assert split._similarity(fuzz, "wat is de status van dossier slotdossiernummer",
                             "wat is de status van dossier slotdossiernummer") == 100
    assert split._similarity(fuzz, "status slotdossiernummer",
                             "wanneer veranderde de status van slotdossiernummer voor het laatst") < THRESHOLD
