#!/usr/bin/python3
"""Reference outputs of scikit-learn for the M1 parity test (training/m1-parity.test.ts).

Dev tool only (Debian python3-sklearn), never a runtime dependency. It reads the
ticket CSV itself, mirrors dataset/tickets.ts + src/ml/text.ts to build the same
texts, fits the seed pipeline
    TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), min_df=3,
                    max_features=50000, sublinear_tf=True)
    LinearSVC(C=0.5, class_weight="balanced", random_state=0)
on the training rows of training/fixtures/holdout-split.json (written by our
code), and writes training/fixtures/sklearn-seed.json.

Usage: /usr/bin/python3 training/sklearn_fixtures.py [csv] [split.json] [out.json]
"""
import csv
import hashlib
import json
import re
import sys

import numpy as np
import sklearn
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

CSV = sys.argv[1] if len(sys.argv) > 1 else "../shared/dataset/tickets-sample.csv"
SPLIT = sys.argv[2] if len(sys.argv) > 2 else "training/fixtures/holdout-split.json"
OUT = sys.argv[3] if len(sys.argv) > 3 else "training/fixtures/sklearn-seed.json"
RANDOM_STATE = 0

QUEUE_TO_CATEGORY = {
    "Billing and Payments": "Billing",
    "Returns and Exchanges": "Billing",
    "Human Resources": "Legal",
}


def unescape_newlines(s):
    return re.sub(r"\\r\\n|\\n", "\n", s)


def load_tickets(path):
    """Same rows, order and text as dataset/tickets.ts + ticketText()."""
    texts, labels = [], []
    with open(path, encoding="utf-8-sig", newline="") as f:
        for row in csv.DictReader(f):
            queue = (row.get("queue") or "").strip()
            body = unescape_newlines(row.get("body") or "")
            if not queue or not body.strip():
                continue
            subject = unescape_newlines(row.get("subject") or "")
            texts.append((subject + " " + body if subject else body).lower())
            labels.append(QUEUE_TO_CATEGORY.get(queue, "Technical"))
    return texts, labels


# Texts whose feature rows are compared value by value: tokenizer edge cases first,
# then real tickets (appended below).
EDGE_TEXTS = [
    "",
    "   ",
    "a",
    "ab",
    "abc",
    "abcd",
    "i am",
    "Refund   please\n\n\tnow",
    "mehrere   Leerzeichen\t\tund\n\n\nZeilen",
    "Rückerstattung für die Rechnung über 49,99 €",
    "STRASSE Straße ÄÖÜ äöü",
    "server down 🔥🔥 please help 🙏",
    "emoji-only 😀",
    "𝐁𝐨𝐥𝐝 math letters and 𠜎 cjk ext-b",
    "non\u00a0breaking\u2009thin\u3000ideographic spaces",
    "zero\u200bwidth joiner is not a space",
    "bom\ufeffinside is not python whitespace",
    "info\x1cseparators\x1dare\x1ewhitespace\x1fin python",
    "next\x85line and\u2028line\u2029para",
    "İstanbul ΟΔΥΣΣΕΥΣ",
    "combining e\u0301 accent",
    "invoice #12345 refund $100.00 (urgent!!!)",
    "die Verbindung zum VPN ist ausgefallen, dringend!",
    "x" * 40,
]


def argsort_cases():
    """numpy's (unstable) argsort on integer keys with many ties, as max_features uses it."""
    rng = np.random.RandomState(7)
    cases = []
    for n, high in ((5, 3), (17, 4), (40, 5), (300, 8), (5000, 30)):
        v = (-rng.randint(0, high, size=n)).astype(np.int64)
        cases.append(
            {
                "values": v.tolist(),
                "quicksort": v.argsort().tolist(),
                "heapsort": v.argsort(kind="heapsort").tolist(),
            }
        )
    return cases


def sparse_row(X, i):
    row = X.getrow(i)
    order = np.argsort(row.indices)
    return {
        "indices": row.indices[order].tolist(),
        "values": [float("%.12g" % v) for v in row.data[order]],
    }


def main():
    with open(SPLIT) as f:
        split = json.load(f)
    with open(CSV, "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    if sha != split["dataset"]["sha256"]:
        sys.exit(f"{CSV} (sha256 {sha}) is not the file the split was made from")
    texts, labels = load_tickets(CSV)
    if len(texts) != split["dataset"]["tickets"]:
        sys.exit(f"read {len(texts)} tickets, the split expects {split['dataset']['tickets']}")

    train, test = split["train"], split["test"]
    X_texts = [texts[i] for i in train]
    y = [labels[i] for i in train]

    vec = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(3, 5), min_df=3, max_features=50000, sublinear_tf=True
    )
    X = vec.fit_transform(X_texts)
    terms = vec.get_feature_names_out().tolist()

    # max_features binds only on larger corpora; a small cap on the same rows shows
    # which terms tied at the cut sklearn keeps.
    capped = {}
    for cap in (2000, 9000):
        v = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(3, 5), min_df=3, max_features=cap, sublinear_tf=True
        ).fit(X_texts)
        capped[str(cap)] = v.get_feature_names_out().tolist()

    # The seed liblinear receives (sklearn's _fit_liblinear draws it this way).
    liblinear_seed = int(np.random.RandomState(RANDOM_STATE).randint(np.iinfo("i").max))
    svc = LinearSVC(C=0.5, class_weight="balanced", random_state=RANDOM_STATE, max_iter=1000, tol=1e-4)
    svc.fit(X, y)

    X_test = vec.transform([texts[i] for i in test])
    real_rows = test[:8]
    sample_texts = EDGE_TEXTS + [texts[i] for i in real_rows]
    X_sample = vec.transform(sample_texts)

    fixture = {
        "generator": {
            "script": "training/sklearn_fixtures.py",
            "sklearn": sklearn.__version__,
            "numpy": np.__version__,
        },
        "dataset": split["dataset"],
        "vectorizer": {
            "analyzer": "char_wb",
            "ngram_range": [3, 5],
            "min_df": 3,
            "max_features": 50000,
            "sublinear_tf": True,
            "n_docs": len(X_texts),
        },
        "terms": terms,
        "idf": [float("%.12g" % v) for v in vec.idf_],
        "capped_terms": capped,
        "samples": [
            {"text": t, **sparse_row(X_sample, k)} for k, t in enumerate(sample_texts)
        ],
        "argsort": argsort_cases(),
        "svc": {
            "C": 0.5,
            "class_weight": "balanced",
            "random_state": RANDOM_STATE,
            "liblinear_seed": liblinear_seed,
            "classes": svc.classes_.tolist(),
            "n_iter": int(svc.n_iter_),
            "intercept": svc.intercept_.tolist(),
        },
        "holdout": {
            "test": test,
            "predicted": svc.predict(X_test).tolist(),
            "decision": [[float("%.9g" % v) for v in row] for row in svc.decision_function(X_test)],
        },
    }
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(fixture, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")
    print(
        f"wrote {OUT}: {len(terms)} terms, {len(sample_texts)} sample rows, "
        f"{len(test)} held-out predictions (sklearn {sklearn.__version__})",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
