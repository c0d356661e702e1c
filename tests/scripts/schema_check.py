#!/usr/bin/env python3
"""schema_check.py [--lines] FILE...: validate mailflow JSON documents
against docs/mailflow.schema.json (JSON Schema draft 2020-12) with
python3-jsonschema. A FILE holds one JSON value (a document, an array of
them, an invalid-line object), or one a line with --lines; "-" is stdin.
Prints one line per invalid value (where, the path in it, what is wrong)
and exits 1 if any, 2 when the schema itself is not valid draft 2020-12.
"""
import json
import os
import sys

import jsonschema

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMA = os.path.join(HERE, "..", "..", "docs", "mailflow.schema.json")


def values(path, lines):
    text = sys.stdin.read() if path == "-" else open(path, encoding="utf-8").read()
    if not lines:
        yield path, json.loads(text)
        return
    for n, line in enumerate(text.splitlines(), 1):
        if line.strip():
            yield "%s:%d" % (path, n), json.loads(line)


def main(argv):
    lines = False
    if argv and argv[0] == "--lines":
        lines, argv = True, argv[1:]
    with open(SCHEMA, encoding="utf-8") as f:
        schema = json.load(f)
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.exceptions.SchemaError as e:
        print("schema: not valid draft 2020-12: %s" % e.message)
        return 2
    validator = jsonschema.Draft202012Validator(schema)
    bad = 0
    for path in argv:
        try:
            for where, value in values(path, lines):
                errors = list(validator.iter_errors(value))
                if errors:
                    bad += 1
                    e = jsonschema.exceptions.best_match(errors)
                    print("%s: %s: %s" % (where, e.json_path, e.message[:300]))
        except (OSError, ValueError) as e:
            bad += 1
            print("%s: %s" % (path, e))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
