"""Reference B of `proof_verify_1m`: recompute an AOS proof bundle's hash chain the idiomatic
Python way (json.load, sorted-key json.dumps, hashlib) and compare it with the stored hashes.

    python3 bench/reference_chain.py <bundle.json>

Prints one JSON line: steps, mismatches, load_ms, chain_ms, total_ms.
"""

import hashlib
import json
import sys
import time


def main(path):
    t0 = time.perf_counter()
    with open(path, "r", encoding="utf-8") as f:
        bundle = json.load(f)
    t1 = time.perf_counter()

    head = bytes.fromhex(bundle["trace"]["genesis_hash"])
    mismatches = 0
    for step in bundle["steps"]:
        text = json.dumps(step["envelope"], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        leaf = hashlib.sha256(b"\x00" + text.encode("utf-8")).digest()
        if leaf.hex() != step["leaf_hash"] or head.hex() != step["prev_hash"]:
            mismatches += 1
        head = hashlib.sha256(head + leaf).digest()
        if head.hex() != step["step_hash"]:
            mismatches += 1
    if head.hex() != bundle["trace"]["root_hash"]:
        mismatches += 1
    t2 = time.perf_counter()

    print(
        json.dumps(
            {
                "steps": len(bundle["steps"]),
                "mismatches": mismatches,
                "load_ms": (t1 - t0) * 1000,
                "chain_ms": (t2 - t1) * 1000,
                "total_ms": (t2 - t0) * 1000,
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1])
