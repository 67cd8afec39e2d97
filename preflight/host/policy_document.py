"""`aws.iam.get_policy_document`, rendered as the AWS provider renders it.

Follows terraform-provider-aws internal/service/iam/policy_document_data_source.go and
policy_model.go, which the Pulumi provider runs unchanged:
- source documents are merged first, in order (a duplicate Sid among them is an error),
  then the statements given, then each override document; a statement with a Sid replaces
  the earlier one with that Sid, one without is appended (`iamPolicyDoc.Merge`);
- a list of one string is written as that string; action, resource and principal lists
  are sorted in reverse; condition values keep their order; `&{` becomes `${`;
- `json` is Go's `json.MarshalIndent(doc, "", "  ")`, `minifiedJson` `json.Marshal(doc)`:
  fields in struct order (Version, Id, Statement; Sid, Effect, Action, NotAction, Resource,
  NotResource, Principal, NotPrincipal, Condition), map keys sorted, empty fields left out,
  and `<`, `>`, `&` escaped as Go escapes them;
- `id` is the CRC-32 of `json` (`create.StringHashcode`).
"""

from __future__ import annotations

import json
import zlib
from typing import Any

VERSIONS = ("2008-10-17", "2012-10-17")


class PolicyDocumentError(Exception):
    """What the provider reports for arguments it rejects."""


def _strings(values: Any) -> list[str]:
    return [str(value) for value in (values or [])]


def _decode(values: list[str]) -> Any:
    """policyDecodeConfigStrings: one value as a string, more sorted in reverse (sets: no repeats)."""
    unique = sorted(set(values), reverse=True)
    return unique[0] if len(unique) == 1 else unique


def _replace_vars(value: Any, version: str) -> Any:
    items = [value] if isinstance(value, str) else value
    for item in items:
        if version == "2008-10-17" and "&{" in item:
            raise PolicyDocumentError(f"found &{{ sequence in ({item}), which is not supported in document "
                                      "version 2008-10-17")
    replaced = [item.replace("&{", "${") for item in items]
    return replaced[0] if isinstance(value, str) else replaced


def _principals(blocks: list[dict[str, Any]], version: str) -> list[tuple[str, Any]]:
    return [(str(block.get("type")), _replace_vars(_decode(_strings(block.get("identifiers"))), version))
            for block in blocks]


def _conditions(blocks: list[dict[str, Any]], version: str) -> list[tuple[str, str, Any]]:
    out = []
    for block in blocks:
        values = _replace_vars(_strings(block.get("values")), version)
        out.append((str(block.get("test")), str(block.get("variable")), values[0] if len(values) == 1 else values))
    return out


def _statement(config: dict[str, Any], version: str) -> dict[str, Any]:
    effect = config.get("effect") or "Allow"
    if effect not in ("Allow", "Deny"):
        raise PolicyDocumentError(f'expected statement effect to be one of ["Allow" "Deny"], got {effect}')
    statement: dict[str, Any] = {"Sid": config.get("sid") or "", "Effect": effect}
    for key, wire in (("actions", "Action"), ("notActions", "NotAction")):
        if config.get(key):
            statement[wire] = _decode(_strings(config[key]))
    for key, wire in (("resources", "Resource"), ("notResources", "NotResource")):
        if config.get(key):
            statement[wire] = _replace_vars(_decode(_strings(config[key])), version)
    for key, wire in (("principals", "Principal"), ("notPrincipals", "NotPrincipal")):
        if config.get(key):
            statement[wire] = _principals(config[key], version)
    if config.get("conditions"):
        statement["Condition"] = _conditions(config["conditions"], version)
    return statement


def _parse_document(text: str, what: str) -> dict[str, Any]:
    """json.Unmarshal into iamPolicyDoc: Go matches field names case-insensitively."""
    try:
        raw = json.loads(text)
    except (TypeError, json.JSONDecodeError) as error:
        raise PolicyDocumentError(f"writing IAM Policy Document: merging {what}: {error}") from None
    if not isinstance(raw, dict):
        raise PolicyDocumentError(f"writing IAM Policy Document: merging {what}: not a JSON object")
    fields = {key.lower(): value for key, value in raw.items()}
    statements = fields.get("statement") or []
    if not isinstance(statements, list):
        raise PolicyDocumentError(f"writing IAM Policy Document: merging {what}: json: cannot unmarshal object "
                                  "into Go struct field iamPolicyDoc.Statement")
    return {"Version": str(fields.get("version") or ""), "Id": str(fields.get("id") or ""),
            "Statement": [_parsed_statement(item) for item in statements]}


def _parsed_statement(raw: dict[str, Any]) -> dict[str, Any]:
    fields = {key.lower(): value for key, value in raw.items()}
    statement: dict[str, Any] = {"Sid": str(fields.get("sid") or ""), "Effect": str(fields.get("effect") or "")}
    for key, wire in (("action", "Action"), ("notaction", "NotAction"), ("resource", "Resource"),
                      ("notresource", "NotResource")):
        if fields.get(key):
            statement[wire] = fields[key]
    for key, wire in (("principal", "Principal"), ("notprincipal", "NotPrincipal")):
        if fields.get(key):
            statement[wire] = _parsed_principals(fields[key])
    if fields.get("condition"):
        statement["Condition"] = _parsed_conditions(fields["condition"])
    return statement


def _parsed_principals(value: Any) -> list[tuple[str, Any]]:
    if isinstance(value, str):
        return [("*", ["*"])]
    out = []
    for key, identifiers in value.items():
        out.append((key, identifiers if isinstance(identifiers, str) else sorted(str(item) for item in identifiers)))
    return out


def _parsed_conditions(value: dict[str, Any]) -> list[tuple[str, str, Any]]:
    out = []
    for test, variables in value.items():
        for variable, values in variables.items():
            if isinstance(values, bool):
                out.append((test, variable, "true" if values else "false"))
            elif isinstance(values, str):
                out.append((test, variable, [values]))
            elif isinstance(values, list):
                out.append((test, variable, [str(item) for item in values]))
    return out


def _merge(doc: dict[str, Any], new: dict[str, Any]) -> None:
    if new.get("Id"):
        doc["Id"] = new["Id"]
    if new.get("Version", "") > doc.get("Version", ""):
        doc["Version"] = new["Version"]
    for statement in new.get("Statement", []):
        if not statement.get("Sid"):
            doc["Statement"].append(statement)
            continue
        for index, existing in enumerate(doc["Statement"]):
            if existing.get("Sid") == statement["Sid"]:
                doc["Statement"][index] = statement
                break
        else:
            doc["Statement"].append(statement)


def _principal_json(principals: list[tuple[str, Any]]) -> Any:
    if len(principals) == 1:
        kind, identifiers = principals[0]
        if kind == "*" and (identifiers == "*" or identifiers == ["*"]):
            return "*"
    raw: dict[str, Any] = {}
    for kind, identifiers in principals:
        current = raw.get(kind)
        if isinstance(identifiers, list):
            merged = [] if current is None else ([current] if isinstance(current, str) else current)
            raw[kind] = merged + sorted(identifiers, reverse=True)
        elif current is None:
            raw[kind] = identifiers
        else:
            raw[kind] = ([current] if isinstance(current, str) else current) + [identifiers]
    return {kind: raw[kind] for kind in sorted(raw)}


def _condition_json(conditions: list[tuple[str, str, Any]]) -> dict[str, Any]:
    raw: dict[str, dict[str, list[str]]] = {}
    for test, variable, values in conditions:
        raw.setdefault(test, {}).setdefault(variable, [])
        raw[test][variable] += values if isinstance(values, list) else [values]
    return {test: {variable: (items[0] if len(items) == 1 else items)
                   for variable, items in sorted(raw[test].items())}
            for test in sorted(raw)}


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _as_json_object(doc: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in ("Version", "Id"):
        if doc.get(key):
            out[key] = doc[key]
    statements = []
    for statement in doc.get("Statement", []):
        item: dict[str, Any] = {}
        for key in ("Sid", "Effect", "Action", "NotAction", "Resource", "NotResource"):
            if not _empty(statement.get(key)):
                item[key] = statement[key]
        for key in ("Principal", "NotPrincipal"):
            if statement.get(key):
                item[key] = _principal_json(statement[key])
        if statement.get("Condition"):
            item["Condition"] = _condition_json(statement["Condition"])
        statements.append(item)
    if statements:
        out["Statement"] = statements
    return out


def go_json(value: Any, indent: bool) -> str:
    """encoding/json output: HTML-safe escapes, Go's indentation."""
    text = json.dumps(value, indent=2 if indent else None, separators=(",", ": ") if indent else (",", ":"),
                      ensure_ascii=False)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def render(args: dict[str, Any]) -> dict[str, Any]:
    """The data source's result (wire names) for the invoke's arguments."""
    for deprecated in ("sourceJson", "overrideJson"):
        if args.get(deprecated):
            raise PolicyDocumentError(f"{deprecated}: expected to be an empty string (the argument is not used; "
                                      "use sourcePolicyDocuments or overridePolicyDocuments)")
    version = args.get("version") or "2012-10-17"
    if version not in VERSIONS:
        raise PolicyDocumentError(f'expected version to be one of ["2008-10-17" "2012-10-17"], got {version}')
    merged: dict[str, Any] = {"Version": "", "Id": "", "Statement": []}
    seen: set[str] = set()
    for index, text in enumerate(args.get("sourcePolicyDocuments") or []):
        if text is None:
            continue
        source = _parse_document(text, f"source document {index}")
        for position, statement in enumerate(source["Statement"]):
            if statement.get("Sid"):
                if statement["Sid"] in seen:
                    raise PolicyDocumentError(
                        f"writing IAM Policy Document: merging source document {index}: duplicate Sid "
                        f"({statement['Sid']}) in source_policy_documents (statement {position}). Remove the Sid "
                        "or ensure Sids are unique.")
                seen.add(statement["Sid"])
        _merge(merged, source)
    own: dict[str, Any] = {"Version": version, "Id": args.get("policyId") or "", "Statement": []}
    sids: set[str] = set()
    for config in args.get("statements") or []:
        sid = config.get("sid") or ""
        if sid and sid in sids:
            raise PolicyDocumentError(f"writing IAM Policy Document: duplicate Sid ({sid}). Remove the Sid or "
                                      "ensure the Sid is unique.")
        if sid:
            sids.add(sid)
        own["Statement"].append(_statement(config, version))
    _merge(merged, own)
    for index, text in enumerate(args.get("overridePolicyDocuments") or []):
        if text is not None:
            _merge(merged, _parse_document(text, f"override document {index}"))
    document = _as_json_object(merged)
    pretty = go_json(document, indent=True)
    result: dict[str, Any] = {
        "id": str(zlib.crc32(pretty.encode())),
        "json": pretty,
        "minifiedJson": go_json(document, indent=False),
        "version": version,
        "statements": args.get("statements"),
        "sourcePolicyDocuments": args.get("sourcePolicyDocuments"),
        "overridePolicyDocuments": args.get("overridePolicyDocuments"),
    }
    if args.get("policyId"):
        result["policyId"] = args["policyId"]
    return {key: value for key, value in result.items() if value is not None}
