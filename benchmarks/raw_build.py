"""The library calls a full `quizgen build` cannot avoid, made on the same data: the floor of
bench_build.py's full build.

    python benchmarks/raw_build.py PROJECT NOTES.jsonl OUT.apkg SIZES.json

Run by bench_build.py as a fresh subprocess beside the build and the genanki script. In turn:

- parse: libyaml's event stream of every YAML file of the project (quizgen reads its values,
  with the line numbers its messages need, from these events);
- hash: each note's GUID (SHA-256 of its card id), its content hash and its lock record's
  check (BLAKE2b), as quizgen makes them;
- sqlite: genanki's tables and collection row, the same 30,000 notes and cards inserted in
  one transaction, the indexes, then VACUUM INTO the package's collection (16 KiB pages, as
  quizgen writes it);
- zip: the collection deflated by ISA-L at level 1 into the zip, with the media entry;
- files: as many bytes, in as many files, each written to a temporary file and renamed, as
  quizgen writes beside the package (its lock file, the compile cache, the kept collection's
  state: SIZES.json lists their sizes).

The notes (fields, tags, decks) come from the JSON-lines file bench_build.py exports for the
genanki script; reading it is timed apart and is not part of the floor. Prints the seconds of
each step as JSON.
"""

from __future__ import annotations

import hashlib
import json
import marshal
import os
import sqlite3
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import yaml
from genanki.apkg_col import APKG_COL
from genanki.apkg_schema import APKG_SCHEMA
from isal import isal_zlib

READ = "read notes (not a floor)"


def main() -> None:
    project, notes_file, out, sizes_file = map(Path, sys.argv[1:5])
    times: dict[str, float] = {}

    t = time.perf_counter()
    with notes_file.open(encoding="utf-8") as f:
        head = json.loads(f.readline())
        notes = [json.loads(line) for line in f]
    sizes = json.loads(sizes_file.read_text())
    times[READ] = time.perf_counter() - t

    t = time.perf_counter()
    for path in sorted(project.rglob("*.yaml")):
        loader = yaml.CSafeLoader(path.read_text(encoding="utf-8"))
        while loader.check_event():
            loader.get_event()
        loader.dispose()
    times["parse"] = time.perf_counter() - t

    t = time.perf_counter()
    sha256, blake2b = hashlib.sha256, hashlib.blake2b
    guids = [sha256(n[0].encode()).hexdigest()[:10] for n in notes]
    hashes = [blake2b("\x1f".join(n[3]).encode(), digest_size=8).hexdigest() for n in notes]
    for n, h in zip(notes, hashes, strict=True):
        blake2b(f"{n[0]}\x1f{h}".encode(), digest_size=4).hexdigest()
    times["hash"] = time.perf_counter() - t

    work = Path(tempfile.mkdtemp())
    try:
        t = time.perf_counter()
        conn = sqlite3.connect(work / "work.anki2")
        for pragma in ("page_size = 16384", "journal_mode = OFF", "synchronous = OFF"):
            conn.execute(f"PRAGMA {pragma}")
        tables, indexes = APKG_SCHEMA.split("CREATE INDEX", 1)
        conn.executescript(tables)
        conn.executescript(APKG_COL)
        decks = head["decks"]
        model_ids = {key: m["id"] for key, m in head["models"].items()}
        conn.executemany(
            "INSERT INTO notes VALUES (?, ?, ?, 1, -1, ?, ?, ?, 0, 0, '')",
            (
                (i, guid, model_ids[n[1]], f" {' '.join(n[4])} ", "\x1f".join(n[3]), n[3][0])
                for i, (n, guid) in enumerate(zip(notes, guids, strict=True), 1)
            ),
        )
        conn.executemany(
            "INSERT INTO cards VALUES (?, ?, ?, 0, 1, -1, 0, 0, ?, 0, 0, 0, 0, 0, 0, 0, 0, '')",
            ((i, i, decks[n[2]], i) for i, n in enumerate(notes, 1)),
        )
        conn.executescript("CREATE INDEX" + indexes)
        conn.commit()
        conn.execute("VACUUM INTO ?", (str(work / "collection.anki2"),))
        conn.close()
        times["sqlite"] = time.perf_counter() - t

        t = time.perf_counter()
        with zipfile.ZipFile(out, "w") as archive:
            info = zipfile.ZipInfo("collection.anki2", (2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            with (work / "collection.anki2").open("rb") as src, archive.open(info, "w") as dst:
                dst._compressor = isal_zlib.compressobj(1, isal_zlib.DEFLATED, -15)
                while chunk := src.read(1 << 20):
                    dst.write(chunk)
            archive.writestr("media", b"{}")
        times["zip"] = time.perf_counter() - t

        t = time.perf_counter()
        data = memoryview(marshal.dumps(notes))  # bytes to write, as many as quizgen writes
        for i, size in enumerate(sizes):
            fd, partial = tempfile.mkstemp(dir=work)
            with os.fdopen(fd, "wb") as f:
                for start in range(0, size, len(data)):
                    f.write(data[: min(len(data), size - start)])
            os.replace(partial, work / f"file{i}")
        times["files"] = time.perf_counter() - t
    finally:
        for path in work.iterdir():
            path.unlink()
        work.rmdir()
    print(json.dumps(times))


if __name__ == "__main__":
    main()
