#!/usr/bin/env bash
# Prints one JSON Lines entry for a pretrained checkpoint folder (append it to mini-encoders.jsonl):
# where it is, the sha256 of each file, and the provenance `permerge pretrain` wrote (command, seed,
# corpus manifest checksum, git commit, training outcome). Reads this version's keys and, for folders written
# before the common provenance record, the older ones (pretrain.command, pretrain.seed, corpus.manifest_sha256).
# Needs jq and sha256sum.
set -euo pipefail
dir="${1:?usage: record-entry.sh <checkpoint folder relative to the project root>}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
[ -f "$dir/config.json" ] && [ -f "$dir/model.safetensors" ] || { echo "record-entry: $dir is not a checkpoint folder (config.json + model.safetensors)" >&2; exit 1; }
files='{}'
for f in "$dir"/config.json "$dir"/model.safetensors "$dir"/preprocessor_config.json "$dir"/permerge-provenance.json; do
  files=$(jq -c --arg k "$(basename "$f")" --arg v "$(sha256sum "$f" | cut -d' ' -f1)" '. + {($k): $v}' <<<"$files")
done
jq -c --arg path "$dir" --argjson sha256 "$files" --arg bytes "$(stat -c %s "$dir/model.safetensors")" '{
  path: $path,
  domain: .["pretrain.domain"],
  command: (.["pretrain.effective_command"] // .["pretrain.command"]),
  seed: ((.["seed.pretrain"] // .["pretrain.seed"]) | tonumber),
  corpus_manifest: .["corpus.manifest"],
  corpus_manifest_sha256: (.["corpus.sha256"] // .["corpus.manifest_sha256"]),
  commit: .["git.commit"],
  parameters: (.["pretrain.parameters"] | tonumber),
  model_bytes: ($bytes | tonumber),
  steps_run: ((.["pretrain.steps_run"] // .["pretrain.steps"]) | tonumber),
  train_seconds: (.["pretrain.train_seconds"] | tonumber),
  loss_first_1pct: (.["pretrain.loss_first_1pct"] | tonumber),
  loss_last_1pct: (.["pretrain.loss_last_1pct"] | tonumber),
  sha256: $sha256
}' "$dir/permerge-provenance.json"
