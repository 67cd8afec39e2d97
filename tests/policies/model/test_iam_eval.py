"""The identity-policy evaluator, table first, against AWS's documented policy evaluation logic.

Each row: (policies, action, resource, context) -> decision and the exact reason.
Sources: "Policy evaluation logic", "IAM JSON policy elements: Condition operators",
"... NotAction", "... NotResource" and "... Policy variables" in the IAM User Guide.
"""

import pytest

from model.iam_conditions import ABSENT, UNKNOWN_PART, Tri, arn_like, glob_match, partly_known, unknown_token
from model.iam_eval import Decision, Policy, Request, evaluate, evaluate_trust
from model.values import UNKNOWN, Malformed

# allowed, explicitly denied, no statement allows (the implicit deny), undecided
A, D, N, U = Decision.ALLOWED, Decision.DENIED, Decision.IMPLICIT_DENY, Decision.INCONCLUSIVE

PARAM = "arn:aws:ssm:us-east-1:111122223333:parameter/library/db/url"
OTHER_PARAM = "arn:aws:ssm:us-east-1:111122223333:parameter/other/db/url"
KEY = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
# A key created in the same stack: its ID is not assigned yet.
NEW_KEY = partly_known("arn:aws:kms:us-east-1:111122223333:key/", unknown_token("urn:new-key"))
# A parameter whose account is not known to the rule (but exists).
SOME_ACCOUNT_PARAM = partly_known("arn:aws:ssm:us-east-1:", None, ":parameter/library/db/url")
SECRET = "arn:aws:secretsmanager:us-east-1:111122223333:secret:db-AbCdEf"
VIA_SSM = {"kms:ViaService": "ssm.us-east-1.amazonaws.com"}


def doc(*statements, version="2012-10-17"):
    return {"Version": version, "Statement": list(statements)}


def allow(action, resource="*", **extra):
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action, resource="*", **extra):
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def one(*statements):
    return [Policy("inline policy 'exec'", doc(*statements))]


TABLE = [
    # --- no policy, implicit deny
    ("no policies at all", [], "ssm:GetParameters", PARAM, {}, N,
     f"no statement allows ssm:GetParameters on {PARAM}"),
    ("empty statement list", [Policy("inline policy 'exec'", doc())], "ssm:GetParameters", PARAM, {}, N,
     f"no statement allows ssm:GetParameters on {PARAM}"),
    ("exact action and resource", one(allow("ssm:GetParameters", PARAM)), "ssm:GetParameters", PARAM, {}, A,
     f"ssm:GetParameters on {PARAM} is allowed by statement 1 of inline policy 'exec'"),
    ("other action", one(allow("ssm:GetParameter", PARAM)), "ssm:GetParameters", PARAM, {}, N,
     f"no statement allows ssm:GetParameters on {PARAM}"),
    ("other resource", one(allow("ssm:GetParameters", OTHER_PARAM)), "ssm:GetParameters", PARAM, {}, N,
     f"no statement allows ssm:GetParameters on {PARAM}"),
    # --- case and wildcards in actions
    ("action case is ignored", one(allow("SSM:getparameters", PARAM)), "ssm:GetParameters", PARAM, {}, A,
     f"ssm:GetParameters on {PARAM} is allowed by statement 1 of inline policy 'exec'"),
    ("action star suffix", one(allow("ssm:Get*")), "ssm:GetParameters", PARAM, {}, A,
     f"ssm:GetParameters on {PARAM} is allowed by statement 1 of inline policy 'exec'"),
    ("action star middle", one(allow("ssm:Get*s")), "ssm:GetParameters", PARAM, {}, A,
     f"ssm:GetParameters on {PARAM} is allowed by statement 1 of inline policy 'exec'"),
    ("action question mark", one(allow("ssm:GetParameter?")), "ssm:GetParameters", PARAM, {}, A,
     f"ssm:GetParameters on {PARAM} is allowed by statement 1 of inline policy 'exec'"),
    ("question mark needs one character", one(allow("ssm:GetParameters?")), "ssm:GetParameters", PARAM, {}, N,
     f"no statement allows ssm:GetParameters on {PARAM}"),
    ("service star", one(allow("ssm:*")), "ssm:GetParameters", PARAM, {}, A,
     f"ssm:GetParameters on {PARAM} is allowed by statement 1 of inline policy 'exec'"),
    ("everything", one(allow("*")), "kms:Decrypt", KEY, {}, A,
     f"kms:Decrypt on {KEY} is allowed by statement 1 of inline policy 'exec'"),
    ("other service star", one(allow("ssmx:*")), "ssm:GetParameters", PARAM, {}, N,
     f"no statement allows ssm:GetParameters on {PARAM}"),
    ("action list", one(allow(["logs:PutLogEvents", "ssm:GetParameters"], PARAM)), "ssm:GetParameters", PARAM, {}, A,
     f"ssm:GetParameters on {PARAM} is allowed by statement 1 of inline policy 'exec'"),
    # --- resources
    ("resource case is significant", one(allow("ssm:GetParameters", PARAM.upper())), "ssm:GetParameters", PARAM, {}, N,
     f"no statement allows ssm:GetParameters on {PARAM}"),
    ("resource star in path", one(allow("ssm:GetParameters", "arn:aws:ssm:us-east-1:111122223333:parameter/library/*")),
     "ssm:GetParameters", PARAM, {}, A,
     f"ssm:GetParameters on {PARAM} is allowed by statement 1 of inline policy 'exec'"),
    ("resource star across segments", one(allow("ssm:GetParameters", "arn:aws:ssm:*:*:parameter/library/db/*")),
     "ssm:GetParameters", PARAM, {}, A,
     f"ssm:GetParameters on {PARAM} is allowed by statement 1 of inline policy 'exec'"),
    ("resource list", one(allow("ssm:GetParameters", [OTHER_PARAM, PARAM])), "ssm:GetParameters", PARAM, {}, A,
     f"ssm:GetParameters on {PARAM} is allowed by statement 1 of inline policy 'exec'"),
    ("secret ARN with wildcard suffix", one(allow("secretsmanager:GetSecretValue",
     "arn:aws:secretsmanager:us-east-1:111122223333:secret:db-??????")), "secretsmanager:GetSecretValue", SECRET, {}, A,
     f"secretsmanager:GetSecretValue on {SECRET} is allowed by statement 1 of inline policy 'exec'"),
    # --- explicit deny beats allow
    ("deny beats allow in one policy", one(allow("ssm:*"), deny("ssm:GetParameters", PARAM)),
     "ssm:GetParameters", PARAM, {}, D,
     f"ssm:GetParameters on {PARAM} is denied by statement 2 of inline policy 'exec'"),
    ("deny beats allow across policies",
     [Policy("inline policy 'a'", doc(allow("ssm:GetParameters", PARAM))),
      Policy("managed policy 'b'", doc(deny("ssm:*")))], "ssm:GetParameters", PARAM, {}, D,
     f"ssm:GetParameters on {PARAM} is denied by statement 1 of managed policy 'b'"),
    ("deny of another resource leaves the allow", one(allow("ssm:*"), deny("ssm:*", OTHER_PARAM)),
     "ssm:GetParameters", PARAM, {}, A,
     f"ssm:GetParameters on {PARAM} is allowed by statement 1 of inline policy 'exec'"),
    ("deny alone", one(deny("ssm:*")), "ssm:GetParameters", PARAM, {}, D,
     f"ssm:GetParameters on {PARAM} is denied by statement 1 of inline policy 'exec'"),
    ("sid is named", one({**allow("ssm:GetParameters", PARAM), "Sid": "ReadDbUrl"}), "ssm:GetParameters", PARAM, {}, A,
     f"ssm:GetParameters on {PARAM} is allowed by statement 1 (ReadDbUrl) of inline policy 'exec'"),
    ("single statement object", [Policy("inline policy 'exec'", {"Statement": allow("ssm:GetParameters")})],
     "ssm:GetParameters", PARAM, {}, A,
     f"ssm:GetParameters on {PARAM} is allowed by statement 1 of inline policy 'exec'"),
    ("second policy allows", [Policy("inline policy 'a'", doc(allow("logs:*"))),
                              Policy("inline policy 'b'", doc(allow("ssm:GetParameters")))],
     "ssm:GetParameters", PARAM, {}, A,
     f"ssm:GetParameters on {PARAM} is allowed by statement 1 of inline policy 'b'"),
    # --- NotAction / NotResource
    ("NotAction allows the rest", one({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}),
     "ssm:GetParameters", PARAM, {}, A,
     f"ssm:GetParameters on {PARAM} is allowed by statement 1 of inline policy 'exec'"),
    ("NotAction excludes the action", one({"Effect": "Allow", "NotAction": "ssm:*", "Resource": "*"}),
     "ssm:GetParameters", PARAM, {}, N,
     f"no statement allows ssm:GetParameters on {PARAM}"),
    ("Deny NotAction denies everything else", one(allow("*"), {"Effect": "Deny", "NotAction": ["logs:*"], "Resource": "*"}),
     "ssm:GetParameters", PARAM, {}, D,
     f"ssm:GetParameters on {PARAM} is denied by statement 2 of inline policy 'exec'"),
    ("Deny NotAction spares listed actions", one(allow("*"), {"Effect": "Deny", "NotAction": ["ssm:Get*"], "Resource": "*"}),
     "ssm:GetParameters", PARAM, {}, A,
     f"ssm:GetParameters on {PARAM} is allowed by statement 1 of inline policy 'exec'"),
    ("NotResource allows other resources", one({"Effect": "Allow", "Action": "ssm:*", "NotResource": OTHER_PARAM}),
     "ssm:GetParameters", PARAM, {}, A,
     f"ssm:GetParameters on {PARAM} is allowed by statement 1 of inline policy 'exec'"),
    ("NotResource excludes the resource", one({"Effect": "Allow", "Action": "ssm:*", "NotResource": [PARAM]}),
     "ssm:GetParameters", PARAM, {}, N,
     f"no statement allows ssm:GetParameters on {PARAM}"),
    ("Deny with NotResource hits outside resources", one(allow("ssm:*"),
     {"Effect": "Deny", "Action": "ssm:*", "NotResource": "arn:aws:ssm:*:*:parameter/other/*"}),
     "ssm:GetParameters", PARAM, {}, D,
     f"ssm:GetParameters on {PARAM} is denied by statement 2 of inline policy 'exec'"),
    ("statement without Resource is ignored", one({"Effect": "Allow", "Action": "ssm:*"}),
     "ssm:GetParameters", PARAM, {}, N, f"no statement allows ssm:GetParameters on {PARAM}"),
    ("statement without Action is ignored", one({"Effect": "Allow", "Resource": "*"}),
     "ssm:GetParameters", PARAM, {}, N, f"no statement allows ssm:GetParameters on {PARAM}"),
    ("unknown Effect value is ignored", one({"Effect": "allow", "Action": "*", "Resource": "*"}),
     "ssm:GetParameters", PARAM, {}, N, f"no statement allows ssm:GetParameters on {PARAM}"),
    ("malformed document grants nothing", [Policy("inline policy 'x'", Malformed("Expecting value"))],
     "ssm:GetParameters", PARAM, {}, N, f"no statement allows ssm:GetParameters on {PARAM}"),
    # --- String conditions
    ("StringEquals matches", one(allow("kms:Decrypt", KEY, Condition={"StringEquals": VIA_SSM})),
     "kms:Decrypt", KEY, VIA_SSM, A, f"kms:Decrypt on {KEY} is allowed by statement 1 of inline policy 'exec'"),
    ("StringEquals is case sensitive", one(allow("kms:Decrypt", KEY,
     Condition={"StringEquals": {"kms:ViaService": "SSM.us-east-1.amazonaws.com"}})),
     "kms:Decrypt", KEY, VIA_SSM, N, f"no statement allows kms:Decrypt on {KEY}"),
    ("condition key names ignore case", one(allow("kms:Decrypt", KEY,
     Condition={"StringEquals": {"KMS:viaservice": "ssm.us-east-1.amazonaws.com"}})),
     "kms:Decrypt", KEY, VIA_SSM, A, f"kms:Decrypt on {KEY} is allowed by statement 1 of inline policy 'exec'"),
    ("StringEquals values are ORed", one(allow("kms:Decrypt", KEY, Condition={"StringEquals": {
        "kms:ViaService": ["secretsmanager.us-east-1.amazonaws.com", "ssm.us-east-1.amazonaws.com"]}})),
     "kms:Decrypt", KEY, VIA_SSM, A, f"kms:Decrypt on {KEY} is allowed by statement 1 of inline policy 'exec'"),
    ("StringEquals on an absent key is false", one(allow("kms:Decrypt", KEY, Condition={"StringEquals": VIA_SSM})),
     "kms:Decrypt", KEY, {"kms:ViaService": ABSENT}, N, f"no statement allows kms:Decrypt on {KEY}"),
    ("StringEqualsIfExists on an absent key is true", one(allow("kms:Decrypt", KEY,
     Condition={"StringEqualsIfExists": VIA_SSM})), "kms:Decrypt", KEY, {"kms:ViaService": ABSENT}, A,
     f"kms:Decrypt on {KEY} is allowed by statement 1 of inline policy 'exec'"),
    ("StringEqualsIfExists on a present key compares", one(allow("kms:Decrypt", KEY,
     Condition={"StringEqualsIfExists": VIA_SSM})), "kms:Decrypt", KEY,
     {"kms:ViaService": "rds.us-east-1.amazonaws.com"}, N, f"no statement allows kms:Decrypt on {KEY}"),
    ("StringNotEquals on an absent key is true", one(deny("kms:Decrypt", "*",
     Condition={"StringNotEquals": {"aws:SourceVpc": "vpc-1"}}), allow("kms:Decrypt")),
     "kms:Decrypt", KEY, {"aws:SourceVpc": ABSENT}, D,
     f"kms:Decrypt on {KEY} is denied by statement 1 of inline policy 'exec'"),
    ("StringNotEquals with several values is a NOR", one(allow("kms:Decrypt", KEY, Condition={"StringNotEquals": {
        "kms:ViaService": ["rds.us-east-1.amazonaws.com", "ssm.us-east-1.amazonaws.com"]}})),
     "kms:Decrypt", KEY, VIA_SSM, N, f"no statement allows kms:Decrypt on {KEY}"),
    ("StringEqualsIgnoreCase", one(allow("kms:Decrypt", KEY,
     Condition={"StringEqualsIgnoreCase": {"kms:ViaService": "SSM.US-EAST-1.amazonaws.com"}})),
     "kms:Decrypt", KEY, VIA_SSM, A, f"kms:Decrypt on {KEY} is allowed by statement 1 of inline policy 'exec'"),
    ("StringNotEqualsIgnoreCase", one(allow("kms:Decrypt", KEY,
     Condition={"StringNotEqualsIgnoreCase": {"kms:ViaService": "SSM.US-EAST-1.amazonaws.com"}})),
     "kms:Decrypt", KEY, VIA_SSM, N, f"no statement allows kms:Decrypt on {KEY}"),
    ("StringLike with wildcard", one(allow("kms:Decrypt", KEY, Condition={"StringLike": {"kms:ViaService": "ssm.*"}})),
     "kms:Decrypt", KEY, VIA_SSM, A, f"kms:Decrypt on {KEY} is allowed by statement 1 of inline policy 'exec'"),
    ("StringNotLike", one(allow("kms:Decrypt", KEY, Condition={"StringNotLike": {"kms:ViaService": "ssm.*"}})),
     "kms:Decrypt", KEY, VIA_SSM, N, f"no statement allows kms:Decrypt on {KEY}"),
    ("StringNotLike on an absent key is true", one(allow("kms:Decrypt", KEY,
     Condition={"StringNotLike": {"kms:ViaService": "ssm.*"}})), "kms:Decrypt", KEY, {"kms:ViaService": ABSENT}, A,
     f"kms:Decrypt on {KEY} is allowed by statement 1 of inline policy 'exec'"),
    ("operators are ANDed", one(allow("kms:Decrypt", KEY, Condition={
        "StringEquals": VIA_SSM, "StringLike": {"kms:CallerAccount": "999*"}})),
     "kms:Decrypt", KEY, {**VIA_SSM, "kms:CallerAccount": "111122223333"}, N,
     f"no statement allows kms:Decrypt on {KEY}"),
    ("keys under one operator are ANDed", one(allow("kms:Decrypt", KEY, Condition={"StringEquals": {
        **VIA_SSM, "kms:CallerAccount": "111122223333"}})),
     "kms:Decrypt", KEY, {**VIA_SSM, "kms:CallerAccount": "111122223333"}, A,
     f"kms:Decrypt on {KEY} is allowed by statement 1 of inline policy 'exec'"),
    # --- Bool, Null, Numeric, IpAddress, Arn
    ("Bool deny of insecure transport does not apply", one(allow("ssm:*"),
     deny("*", "*", Condition={"Bool": {"aws:SecureTransport": "false"}})), "ssm:GetParameters", PARAM,
     {"aws:SecureTransport": "true"}, A,
     f"ssm:GetParameters on {PARAM} is allowed by statement 1 of inline policy 'exec'"),
    ("Bool with a JSON boolean", one(allow("ssm:*", "*", Condition={"Bool": {"aws:SecureTransport": True}})),
     "ssm:GetParameters", PARAM, {"aws:SecureTransport": "true"}, A,
     f"ssm:GetParameters on {PARAM} is allowed by statement 1 of inline policy 'exec'"),
    ("Null true when the key is absent", one(allow("ssm:*", "*", Condition={"Null": {"aws:SourceVpce": "true"}})),
     "ssm:GetParameters", PARAM, {"aws:SourceVpce": ABSENT}, A,
     f"ssm:GetParameters on {PARAM} is allowed by statement 1 of inline policy 'exec'"),
    ("Null true when the key is present", one(allow("ssm:*", "*", Condition={"Null": {"aws:SourceVpce": "true"}})),
     "ssm:GetParameters", PARAM, {"aws:SourceVpce": "vpce-1"}, N,
     f"no statement allows ssm:GetParameters on {PARAM}"),
    ("Null false when the key is present", one(allow("ssm:*", "*", Condition={"Null": {"aws:SourceVpce": "false"}})),
     "ssm:GetParameters", PARAM, {"aws:SourceVpce": "vpce-1"}, A,
     f"ssm:GetParameters on {PARAM} is allowed by statement 1 of inline policy 'exec'"),
    ("NumericLessThan", one(allow("ssm:*", "*", Condition={"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}})),
     "ssm:GetParameters", PARAM, {"aws:MultiFactorAuthAge": "60"}, A,
     f"ssm:GetParameters on {PARAM} is allowed by statement 1 of inline policy 'exec'"),
    ("NumericGreaterThanEquals false", one(allow("ssm:*", "*",
     Condition={"NumericGreaterThanEquals": {"aws:MultiFactorAuthAge": "3600"}})),
     "ssm:GetParameters", PARAM, {"aws:MultiFactorAuthAge": "60"}, N,
     f"no statement allows ssm:GetParameters on {PARAM}"),
    ("NumericNotEquals", one(allow("ssm:*", "*", Condition={"NumericNotEquals": {"s3:max-keys": "10"}})),
     "ssm:GetParameters", PARAM, {"s3:max-keys": "10"}, N, f"no statement allows ssm:GetParameters on {PARAM}"),
    ("IpAddress inside the range", one(allow("ssm:*", "*", Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/16"}})),
     "ssm:GetParameters", PARAM, {"aws:SourceIp": "10.0.3.4"}, A,
     f"ssm:GetParameters on {PARAM} is allowed by statement 1 of inline policy 'exec'"),
    ("NotIpAddress inside the range", one(allow("ssm:*", "*", Condition={"NotIpAddress": {"aws:SourceIp": "10.0.0.0/16"}})),
     "ssm:GetParameters", PARAM, {"aws:SourceIp": "10.0.3.4"}, N,
     f"no statement allows ssm:GetParameters on {PARAM}"),
    ("ArnLike per segment", one(allow("ssm:*", "*", Condition={"ArnLike": {
        "aws:PrincipalArn": "arn:aws:iam::111122223333:role/app-*"}})),
     "ssm:GetParameters", PARAM, {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/app-exec"}, A,
     f"ssm:GetParameters on {PARAM} is allowed by statement 1 of inline policy 'exec'"),
    ("ArnNotEquals", one(allow("ssm:*", "*", Condition={"ArnNotEquals": {
        "aws:PrincipalArn": "arn:aws:iam::111122223333:role/app-exec"}})),
     "ssm:GetParameters", PARAM, {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/app-exec"}, N,
     f"no statement allows ssm:GetParameters on {PARAM}"),
    # --- multivalued keys
    ("ForAnyValue one of them", one(allow("ssm:*", "*", Condition={"ForAnyValue:StringEquals": {
        "aws:TagKeys": ["team", "env"]}})), "ssm:GetParameters", PARAM, {"aws:TagKeys": ["env", "owner"]}, A,
     f"ssm:GetParameters on {PARAM} is allowed by statement 1 of inline policy 'exec'"),
    ("ForAnyValue on an absent key is false", one(allow("ssm:*", "*", Condition={"ForAnyValue:StringEquals": {
        "aws:TagKeys": ["team"]}})), "ssm:GetParameters", PARAM, {"aws:TagKeys": ABSENT}, N,
     f"no statement allows ssm:GetParameters on {PARAM}"),
    ("ForAllValues every one of them", one(allow("ssm:*", "*", Condition={"ForAllValues:StringEquals": {
        "aws:TagKeys": ["team", "env"]}})), "ssm:GetParameters", PARAM, {"aws:TagKeys": ["env", "owner"]}, N,
     f"no statement allows ssm:GetParameters on {PARAM}"),
    ("ForAllValues on an absent key is true", one(allow("ssm:*", "*", Condition={"ForAllValues:StringEquals": {
        "aws:TagKeys": ["team"]}})), "ssm:GetParameters", PARAM, {"aws:TagKeys": ABSENT}, A,
     f"ssm:GetParameters on {PARAM} is allowed by statement 1 of inline policy 'exec'"),
    ("ForAllValues:StringLike all match", one(allow("ssm:*", "*", Condition={"ForAllValues:StringLike": {
        "aws:TagKeys": ["e*"]}})), "ssm:GetParameters", PARAM, {"aws:TagKeys": ["env", "eu"]}, A,
     f"ssm:GetParameters on {PARAM} is allowed by statement 1 of inline policy 'exec'"),
    # --- policy variables
    ("policy variable resolved", one(allow("ssm:*", "arn:aws:ssm:us-east-1:111122223333:parameter/${aws:PrincipalTag/team}/*")),
     "ssm:GetParameters", PARAM, {"aws:PrincipalTag/team": "library"}, A,
     f"ssm:GetParameters on {PARAM} is allowed by statement 1 of inline policy 'exec'"),
    ("policy variable taken literally in version 2008-10-17",
     [Policy("inline policy 'old'", doc(allow("ssm:*", "arn:aws:ssm:us-east-1:111122223333:parameter/${aws:x}/*"),
                                        version="2008-10-17"))],
     "ssm:GetParameters", PARAM, {"aws:x": "library"}, N, f"no statement allows ssm:GetParameters on {PARAM}"),
    ("policy variable not known", one(allow("ssm:*", "arn:aws:ssm:us-east-1:111122223333:parameter/${aws:PrincipalTag/team}/*")),
     "ssm:GetParameters", PARAM, {}, U,
     f"ssm:GetParameters on {PARAM} may be allowed by statement 1 of inline policy 'exec' "
     "(its Resource cannot be matched until its values are known)"),
    # --- what cannot be decided is inconclusive, never allowed
    ("unknown operator", one(allow("ssm:*", "*", Condition={"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}})),
     "ssm:GetParameters", PARAM, {"aws:CurrentTime": "2026-01-01T00:00:00Z"}, U,
     f"ssm:GetParameters on {PARAM} may be allowed by statement 1 of inline policy 'exec' (condition "
     '{"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}}: operator DateLessThan is not supported)'),
    ("misspelt operator", one(allow("ssm:*", "*", Condition={"StringEqual": {"aws:x": "1"}})),
     "ssm:GetParameters", PARAM, {"aws:x": "1"}, U,
     f"ssm:GetParameters on {PARAM} may be allowed by statement 1 of inline policy 'exec' (condition "
     '{"StringEqual": {"aws:x": "1"}}: operator StringEqual is not supported)'),
    ("key the request context does not define", one(allow("kms:Decrypt", KEY, Condition={"StringEquals": VIA_SSM})),
     "kms:Decrypt", KEY, {}, U,
     f"kms:Decrypt on {KEY} may be allowed by statement 1 of inline policy 'exec' (condition "
     '{"StringEquals": {"kms:ViaService": "ssm.us-east-1.amazonaws.com"}}: key kms:ViaService is not known for this request)'),
    ("undecidable deny keeps an allow inconclusive", one(allow("ssm:*"),
     deny("ssm:*", "*", Condition={"StringNotEquals": {"aws:SourceVpce": "vpce-1"}})),
     "ssm:GetParameters", PARAM, {}, U,
     f"ssm:GetParameters on {PARAM} may be denied by statement 2 of inline policy 'exec' (condition "
     '{"StringNotEquals": {"aws:SourceVpce": "vpce-1"}}: key aws:SourceVpce is not known for this request)'),
    ("decided deny wins over undecidable allow", one(allow("ssm:*", "*", Condition={"StringEquals": {"aws:x": "1"}}),
     deny("ssm:GetParameters")), "ssm:GetParameters", PARAM, {}, D,
     f"ssm:GetParameters on {PARAM} is denied by statement 2 of inline policy 'exec'"),
    ("decided allow beside undecidable allow", one(allow("ssm:*", "*", Condition={"StringEquals": {"aws:x": "1"}}),
     allow("ssm:GetParameters")), "ssm:GetParameters", PARAM, {}, A,
     f"ssm:GetParameters on {PARAM} is allowed by statement 2 of inline policy 'exec'"),
    ("unknown document", [Policy("inline policy 'late'", UNKNOWN)], "ssm:GetParameters", PARAM, {}, U,
     f"ssm:GetParameters on {PARAM} may be denied by inline policy 'late', which is not known yet"),
    ("unknown document beside an explicit deny", [Policy("inline policy 'late'", UNKNOWN),
                                                  Policy("inline policy 'deny'", doc(deny("ssm:*")))],
     "ssm:GetParameters", PARAM, {}, D,
     f"ssm:GetParameters on {PARAM} is denied by statement 1 of inline policy 'deny'"),
    ("unknown resource in a statement", one(allow("ssm:GetParameters", UNKNOWN)), "ssm:GetParameters", PARAM, {}, U,
     f"ssm:GetParameters on {PARAM} may be allowed by statement 1 of inline policy 'exec' (its Resource is not known yet)"),
    ("unknown action item in a statement", one(allow(["logs:PutLogEvents", UNKNOWN], PARAM)), "ssm:GetParameters", PARAM,
     {}, U, f"ssm:GetParameters on {PARAM} may be allowed by statement 1 of inline policy 'exec' "
     "(its Action cannot be matched until its values are known)"),
    ("unknown condition value", one(allow("kms:Decrypt", KEY, Condition={"StringEquals": {"kms:ViaService": UNKNOWN}})),
     "kms:Decrypt", KEY, VIA_SSM, U,
     f"kms:Decrypt on {KEY} may be allowed by statement 1 of inline policy 'exec' (condition "
     '{"StringEquals": {"kms:ViaService": "<unknown>"}}: its value is not known yet)'),
    # --- a resource whose ARN is not assigned yet (a key created in the same stack)
    ("new key matched by a wildcard", one(allow("kms:Decrypt", "arn:aws:kms:us-east-1:111122223333:key/*")),
     "kms:Decrypt", NEW_KEY, {}, A,
     "kms:Decrypt on arn:aws:kms:us-east-1:111122223333:key/<unknown> is allowed by statement 1 of inline policy 'exec'"),
    ("new key not named by another key's literal ARN", one(allow("kms:Decrypt", KEY)), "kms:Decrypt", NEW_KEY, {}, N,
     "no statement allows kms:Decrypt on arn:aws:kms:us-east-1:111122223333:key/<unknown>"),
    ("new key not matched by another account's keys", one(allow("kms:Decrypt", "arn:aws:kms:us-east-1:999988887777:key/*")),
     "kms:Decrypt", NEW_KEY, {}, N,
     "no statement allows kms:Decrypt on arn:aws:kms:us-east-1:111122223333:key/<unknown>"),
    ("new key and a partial key-id glob", one(allow("kms:Decrypt", "arn:aws:kms:us-east-1:111122223333:key/12*")),
     "kms:Decrypt", NEW_KEY, {}, U,
     "kms:Decrypt on arn:aws:kms:us-east-1:111122223333:key/<unknown> may be allowed by statement 1 of inline policy "
     "'exec' (its Resource cannot be matched until its values are known)"),
    ("new key named by the same resource's unknown ARN",
     one(allow("kms:Decrypt", "arn:aws:kms:us-east-1:111122223333:key/" + unknown_token("urn:key"))),
     "kms:Decrypt", partly_known("arn:aws:kms:us-east-1:111122223333:key/", unknown_token("urn:key")), {}, A,
     "kms:Decrypt on arn:aws:kms:us-east-1:111122223333:key/<unknown> is allowed by statement 1 of inline policy 'exec'"),
    ("another new key's unknown ARN", one(allow("kms:Decrypt", "arn:aws:kms:us-east-1:111122223333:key/" + unknown_token("urn:b"))),
     "kms:Decrypt", "arn:aws:kms:us-east-1:111122223333:key/" + unknown_token("urn:a"), {}, N,
     "no statement allows kms:Decrypt on arn:aws:kms:us-east-1:111122223333:key/<unknown>"),
    ("literal ARN and a request whose account is not known", one(allow("ssm:GetParameters", PARAM)),
     "ssm:GetParameters", SOME_ACCOUNT_PARAM, {}, U,
     "ssm:GetParameters on arn:aws:ssm:us-east-1:<unknown>:parameter/library/db/url may be allowed by statement 1 of "
     "inline policy 'exec' (its Resource cannot be matched until its values are known)"),
    ("literal ARN of another parameter and an unknown account", one(allow("ssm:GetParameters", OTHER_PARAM)),
     "ssm:GetParameters", SOME_ACCOUNT_PARAM, {}, N,
     "no statement allows ssm:GetParameters on arn:aws:ssm:us-east-1:<unknown>:parameter/library/db/url"),
    ("partly known request value in a condition", one(allow("logs:PutLogEvents", "*", Condition={"ArnLike": {
        "aws:SourceArn": "arn:aws:ecs:us-east-1:111122223333:task/*"}})),
     "logs:PutLogEvents", "arn:aws:logs:us-east-1:111122223333:log-group:/ecs/web:log-stream:x",
     {"aws:SourceArn": partly_known("arn:aws:ecs:us-east-1:111122223333:task/", None)}, A,
     "logs:PutLogEvents on arn:aws:logs:us-east-1:111122223333:log-group:/ecs/web:log-stream:x is allowed by "
     "statement 1 of inline policy 'exec'"),
]


@pytest.mark.parametrize(
    "policies,action,resource,context,decision,reason", [row[1:] for row in TABLE], ids=[row[0] for row in TABLE]
)
def test_evaluation_table(policies, action, resource, context, decision, reason):
    verdict = evaluate(policies, Request(action, resource, context))

    assert (verdict.decision, verdict.reason) == (decision, reason)


def test_the_table_covers_at_least_sixty_cases():
    assert len(TABLE) >= 60
    assert len({row[0] for row in TABLE}) == len(TABLE)


def test_the_deciding_statement_is_returned_for_messages():
    statement = deny("ssm:GetParameters", PARAM)

    verdict = evaluate(one(allow("ssm:*"), statement), Request("ssm:GetParameters", PARAM))

    assert (verdict.source, verdict.statement) == ("inline policy 'exec'", statement)


@pytest.mark.parametrize("pattern,value,expected", [
    ("a*c", "abbc", Tri.YES),
    ("a?c", "abc", Tri.YES),
    ("a?c", "ac", Tri.NO),
    ("*", partly_known("x", None), Tri.YES),
    ("x?", partly_known("x", None), Tri.MAYBE),
    ("y*", partly_known("x", None), Tri.NO),
    ("x" + UNKNOWN_PART, partly_known("x", None), Tri.YES),
    ("xa", partly_known("x", None), Tri.MAYBE),
    ("xa", "x" + unknown_token("urn:a"), Tri.NO),
    ("x" + unknown_token("urn:a"), "x" + unknown_token("urn:a"), Tri.YES),
])
def test_glob_match_three_valued(pattern, value, expected):
    assert glob_match(pattern, value) is expected


@pytest.mark.parametrize("actual,wanted,expected", [
    ("arn:aws:iam::1:role/a", "arn:aws:iam::1:role/*", Tri.YES),
    ("arn:aws:iam::1:role/a", "arn:aws:iam::*:role/a", Tri.YES),
    ("arn:aws:iam::1:role/a", "arn:aws:iam::2:role/a", Tri.NO),
    ("not-an-arn", "arn:aws:iam::1:role/a", Tri.NO),
])
def test_arn_like(actual, wanted, expected):
    assert arn_like(actual, wanted) is expected


ECS_TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


@pytest.mark.parametrize("document,context,decision,reason", [
    (ECS_TRUST, {}, A,
     "ecs-tasks.amazonaws.com calling sts:AssumeRole is allowed by statement 1 of trust policy of Role 'exec'"),
    ({"Statement": [{"Effect": "Allow", "Principal": {"Service": ["ec2.amazonaws.com", "ecs-tasks.amazonaws.com"]},
                     "Action": ["sts:AssumeRole", "sts:TagSession"]}]}, {}, A,
     "ecs-tasks.amazonaws.com calling sts:AssumeRole is allowed by statement 1 of trust policy of Role 'exec'"),
    ({"Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
     {}, N, "no statement of trust policy of Role 'exec' lets ecs-tasks.amazonaws.com calling sts:AssumeRole"),
    ({"Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                     "Action": "sts:AssumeRoleWithWebIdentity"}]},
     {}, N, "no statement of trust policy of Role 'exec' lets ecs-tasks.amazonaws.com calling sts:AssumeRole"),
    ({"Statement": [ECS_TRUST["Statement"][0], {"Effect": "Deny", "Principal": "*", "Action": "sts:*"}]}, {}, D,
     "ecs-tasks.amazonaws.com calling sts:AssumeRole is denied by statement 2 of trust policy of Role 'exec'"),
    ({"Statement": [{**ECS_TRUST["Statement"][0],
                     "Condition": {"StringEquals": {"aws:SourceAccount": "111122223333"}}}]},
     {"aws:SourceAccount": "111122223333"}, A,
     "ecs-tasks.amazonaws.com calling sts:AssumeRole is allowed by statement 1 of trust policy of Role 'exec'"),
    ({"Statement": [{**ECS_TRUST["Statement"][0],
                     "Condition": {"StringEquals": {"aws:SourceAccount": "111122223333"}}}]},
     {}, U, "ecs-tasks.amazonaws.com calling sts:AssumeRole may be allowed by statement 1 of trust policy of Role "
     "'exec' (condition {\"StringEquals\": {\"aws:SourceAccount\": \"111122223333\"}}: key aws:SourceAccount is not known for "
     "this request)"),
    (UNKNOWN, {}, U, "trust policy of Role 'exec' is not known yet"),
])
def test_trust_policy_table(document, context, decision, reason):
    verdict = evaluate_trust(Policy("trust policy of Role 'exec'", document), "ecs-tasks.amazonaws.com", context)

    assert (verdict.decision, verdict.reason) == (decision, reason)
