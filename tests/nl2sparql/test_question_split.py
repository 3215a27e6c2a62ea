"""The held-out questions (examples/questions/questions.yaml) must stay out of the translator's
retrieval catalogue (nl2sparql/catalogue/): no evaluated question, and no close paraphrase of
one, may be a catalogue example, or the evaluation measures recall of memorised answers.

"Close paraphrase": after normalisation (lower case, accents off, punctuation as spaces) and after
filling the slots of BOTH sides with the same values, rapidfuzz's token-set ratio is >= 90. The
catalogue is read whatever its file format (YAML, JSON, JSONL, TOML, CSV, text, SPARQL files
with the question in a comment): every natural-language question string in it is compared.
If the catalogue does not exist yet this test FAILS: the split cannot be checked.
"""

from __future__ import annotations

import csv
import io
import json
import re
import tomllib
from pathlib import Path

import pytest

from nl2sparql.evaluate import fold, question_package
from source_generator.generate import generate

CATALOGUE = Path(__file__).resolve().parents[2] / "nl2sparql" / "catalogue"
THRESHOLD = 90
# keys whose string values are natural-language questions in a catalogue entry
QUESTION_KEYS = re.compile(r"^(question|questions|vraag|vragen|nl|text|tekst|utterance|utterances|template|templates|"
                           r"paraphrase|paraphrases|parafrase|parafrasen|variant|variants|varianten|example|examples|"
                           r"voorbeeld|voorbeelden|q|prompt)$", re.I)
SPARQL_HINT = re.compile(r"\b(SELECT|PREFIX|WHERE|CONSTRUCT|ASK|GRAPH)\b|\?\w+\s|<https?://", re.I)
SLOT = re.compile(r"\{\{?\s*([A-Za-z_][\w.]*)(?:\|[a-z]+)?\s*\}?\}|\$\{?([A-Za-z_]\w*)\}?|<([a-z_]+)>")


def _looks_like_question(s: str) -> bool:
    s = s.strip()
    return 2 <= len(s.split()) <= 60 and not SPARQL_HINT.search(s) and not s.startswith(("http://", "https://"))


def _walk(node, under_question_key: bool, out: list[str]) -> None:
    if isinstance(node, dict):
        for k, v in node.items():
            _walk(v, under_question_key or bool(QUESTION_KEYS.match(str(k))), out)
    elif isinstance(node, (list, tuple)):
        for v in node:
            _walk(v, under_question_key, out)
    elif isinstance(node, str) and under_question_key and _looks_like_question(node):
        out.append(node)


def _strings_of_file(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8", errors="replace")
    suffix = path.suffix.lower()
    out: list[str] = []
    if suffix in (".yaml", ".yml"):
        import yaml
        for doc in yaml.safe_load_all(text):
            _walk(doc, False, out)
    elif suffix == ".json":
        _walk(json.loads(text), False, out)
    elif suffix == ".jsonl":
        for line in text.splitlines():
            if line.strip():
                _walk(json.loads(line), False, out)
    elif suffix == ".toml":
        _walk(tomllib.loads(text), False, out)
    elif suffix in (".csv", ".tsv"):
        reader = csv.DictReader(io.StringIO(text), delimiter="\t" if suffix == ".tsv" else ",")
        for row in reader:
            _walk(row, False, out)
    elif suffix in (".rq", ".sparql", ".ttl"):
        for line in text.splitlines():
            m = re.match(r"\s*#+\s*(?:[\w -]+:\s*)?(.+)$", line)
            if m and _looks_like_question(m.group(1)):
                out.append(m.group(1))
    elif suffix in (".txt", ".md"):
        for line in text.splitlines():
            line = re.sub(r"^\s*(?:[-*]|\d+[.)])\s+", "", line)
            if _looks_like_question(line) and not line.lstrip().startswith("#"):
                out.append(line)
    return out


def catalogue_questions() -> list[tuple[str, str]]:
    """(file, question string) for every question-like string in the catalogue."""
    out = []
    for path in sorted(CATALOGUE.rglob("*")):
        if path.is_file() and not path.name.startswith(".") and path.suffix.lower() not in (".py", ".pyc", ".npy", ".bin"):
            for s in _strings_of_file(path):
                out.append((str(path.relative_to(CATALOGUE)), s))
    return out


def _fill(template: str, values: dict[str, str]) -> str:
    """Replace {slot}, {{slot}}, ${slot} and <slot> placeholders whose base name has a value
    (digits and .field suffixes ignored); others become the bare slot name."""
    def sub(m: re.Match) -> str:
        name = next(g for g in m.groups() if g)
        base = re.sub(r"\d+$", "", name.split(".")[0].lower())
        return values.get(base, base.replace("_", " "))
    return SLOT.sub(sub, template)


@pytest.fixture(scope="module")
def held_out(tmp_path_factory):
    pkg = question_package()
    out = tmp_path_factory.mktemp("split_sources")
    generate(out, scale=0.02, seed=24107)
    return pkg.instantiate(pkg.load_questions(), out, with_gold=False)


def test_catalogue_exists_and_has_questions():
    assert CATALOGUE.is_dir(), (
        f"{CATALOGUE} does not exist: the translator's retrieval catalogue is needed to check that no held-out "
        f"question (examples/questions/questions.yaml) is in it")
    found = catalogue_questions()
    assert found, f"{CATALOGUE}: no question strings found in any file (looked for keys like question/vraag/nl/text)"


def test_no_held_out_question_or_paraphrase_in_catalogue(held_out):
    from rapidfuzz import fuzz, process

    assert CATALOGUE.is_dir(), f"{CATALOGUE} does not exist yet: the split cannot be checked"
    catalogue = catalogue_questions()
    assert catalogue, f"{CATALOGUE}: no question strings found"
    has_slots = [bool(SLOT.search(q)) for _, q in catalogue]

    clashes = []
    for inst in held_out:
        values = {}
        for name, v in inst.slots.items():
            values.setdefault(re.sub(r"\d+$", "", name), v.text)
        # held-out question with its slots filled, and its bare template (slots as words)
        mine = [fold(inst.text), fold(_fill(inst.question.template, {}))]
        theirs = [fold(_fill(q, values) if slotted else q) for (_, q), slotted in zip(catalogue, has_slots)]
        theirs_bare = [fold(_fill(q, {})) for _, q in catalogue]
        for text in mine:
            for pool in (theirs, theirs_bare):
                for match, score, j in process.extract(text, pool, scorer=fuzz.token_set_ratio,
                                                       score_cutoff=THRESHOLD, limit=3):
                    clashes.append(f"{inst.id} {inst.text!r} ~ {catalogue[j][0]}: {catalogue[j][1]!r} ({score:.0f})")
    clashes = sorted(set(clashes))
    assert not clashes, (f"{len(clashes)} held-out question(s) have a near-duplicate in the catalogue "
                         f"(token-set ratio >= {THRESHOLD}):\n  " + "\n  ".join(clashes[:40]))


def test_helpers_find_questions_in_any_format(tmp_path):
    """The catalogue reader itself, on hand-made files of each format."""
    (tmp_path / "a.yaml").write_text("- id: x\n  vraag: Wat kost een rijbewijs?\n  sparql: SELECT ?x WHERE {?x ?p ?o}\n"
                                     "  parafrasen: [Prijs van een rijbewijs]\n", encoding="utf-8")
    (tmp_path / "b.jsonl").write_text(json.dumps({"question": "Hoeveel adressen in {deelgemeente}?", "sparql": "ASK {}"})
                                      + "\n", encoding="utf-8")
    (tmp_path / "c.rq").write_text("# vraag: Welke loketten zijn open?\nSELECT * WHERE { ?s ?p ?o }\n", encoding="utf-8")
    found = sorted(s for p in tmp_path.iterdir() for s in _strings_of_file(p))
    assert found == ["Hoeveel adressen in {deelgemeente}?", "Prijs van een rijbewijs", "Wat kost een rijbewijs?",
                     "Welke loketten zijn open?"]
    assert _fill("Hoeveel adressen in {deelgemeente}?", {"deelgemeente": "Bost"}) == "Hoeveel adressen in Bost?"
    assert _fill("status van {{dossiernummer}}", {}) == "status van dossiernummer"
