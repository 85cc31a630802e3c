#!/usr/bin/env python3
"""Writes the text seed corpora under fuzz/corpus/ from the unit tests' fixtures.

The bodies, queries and configs the tests use are the best first guesses of what the
decoders accept; the fuzzers mutate from there. Run from anywhere; the output is committed.
The binary seeds (protobuf, Thrift, compressed bodies) come from fuzz/make_seeds.cc.
"""
import codecs
import hashlib
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent
CORPUS = ROOT / "fuzz" / "corpus"

RAW = re.compile(r'R"\((.*?)\)"', re.S)
CSTR = re.compile(r'"((?:[^"\\\n]|\\.)*)"')


def raw_strings(path):
    return RAW.findall((ROOT / path).read_text())


def c_strings(path):
    text = (ROOT / path).read_text()
    return [codecs.decode(s, "unicode_escape").encode("latin-1").decode("utf-8")
            for s in CSTR.findall(text)]


def write(target, items):
    folder = CORPUS / target
    folder.mkdir(parents=True, exist_ok=True)
    seen = set()
    for item in items:
        data = item.encode() if isinstance(item, str) else item
        if not data or data in seen:
            continue
        seen.add(data)
        (folder / hashlib.sha1(data).hexdigest()[:16]).write_bytes(data)
    print(f"{target}: {len(seen)} seeds")


def json_bodies(path, first):
    return [s for s in raw_strings(path) if s.lstrip().startswith(first)]


def main():
    readme = (ROOT / "README.md").read_text()
    write("otlp_json", json_bodies("tests/model/otlp_json_test.cc", "{") +
          re.findall(r"-d '(\{\"resourceSpans.*?)'", readme))
    write("zipkin_json", json_bodies("tests/model/zipkin_test.cc", "[") +
          re.findall(r"-d '(\[\{\"traceId.*?)'", readme))
    write("zipkin_v1_json", json_bodies("tests/model/zipkin_v1_test.cc", "["))

    # TraceQL: every query of Tempo's conformance table (valid or not) and the engine cases.
    queries = []
    for path in ("tests/traceql/conformance_test.cc", "tests/traceql/engine_cases.h"):
        text = (ROOT / path).read_text()
        for m in re.finditer(r'^\s*\{("(?:[^"\\]|\\.)*"),', text, re.M):
            queries.append(codecs.decode(m.group(1)[1:-1], "unicode_escape"))
    write("traceql", queries)

    configs = [(ROOT / "config" / "tempo.yaml").read_text()]
    fixtures = ROOT.parent / "shared" / "fixtures" / "configs"
    if fixtures.is_dir():
        configs += [p.read_text() for p in sorted(fixtures.glob("*.yaml"))]
    for path in sorted((ROOT / "tests" / "config").glob("*.cc")):
        configs += [s for s in c_strings(path.relative_to(ROOT)) if ":" in s and "\n" in s]
    write("config", configs)

    write("duration", ["0", "300ms", "5s", "1h30m", "1.5h", ".5s", "720h", "-2.5s", "1µs",
                       "1us", "10ns", "2562047h47m16.854775807s", "+1m", "1.h"])
    write("trace_id", ["5b8efff798038103d269b633813fc60c", "1", "abc", "00000000000000000000000000000001",
                       "463ac35c9f6413ad48485a3953bb6124", "0123456789ABCDEFabcdef0123456789",
                       "zz", "123456789012345678901234567890123"])


if __name__ == "__main__":
    main()
