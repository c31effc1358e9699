"""Checks TOML files against a JSON Schema with Python's tomllib and jsonschema, independently
of kmgen. Usage: validate.py SCHEMA FILE...; prints `valid FILE` or `invalid FILE: ...` per
file. The schema itself is first checked against its draft's meta-schema."""
import json
import sys
import tomllib

import jsonschema

with open(sys.argv[1], encoding="utf-8") as f:
    schema = json.load(f)
validator = jsonschema.validators.validator_for(schema)
validator.check_schema(schema)
print(f"draft {validator.__name__}")
check = validator(schema)
for path in sys.argv[2:]:
    with open(path, "rb") as f:
        document = tomllib.load(f)
    errors = sorted(check.iter_errors(document), key=lambda e: list(map(str, e.path)))
    if errors:
        found = "; ".join(f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors)
        print(f"invalid {path}: {found}")
    else:
        print(f"valid {path}")
