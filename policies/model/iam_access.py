"""Whether a role in one account may make one call: every policy type AWS evaluates, in AWS's order.

IAM User Guide, "Policy evaluation logic" (same-account requests):
1. an explicit `Deny` in any policy — identity, permissions boundary, resource-based — wins;
2. otherwise the call needs an `Allow` from an identity-based policy *or* from a resource-based
   policy that names the role (Secrets Manager secret policies, ECR repository policies);
3. a permissions boundary limits both: an action it does not allow is denied, even when a
   resource-based policy names the role's ARN (only a grant to the role *session* ARN escapes
   the boundary's implicit deny, and no policy can name a task's session in advance);
4. KMS is stricter ("Key policies in AWS KMS"): the key policy is the primary authority. A key
   policy statement may grant the role on its own; identity policies count only when the key
   policy lets the account delegate (the default "Enable IAM User Permissions" statement,
   Principal `arn:aws:iam::<account>:root` with `kms:*`, or an equivalent).
Organization SCPs and RCPs cannot be seen from a stack: with `organization="unknown"` an answer
that would be "allowed" is inconclusive, naming them.

Every answer is three-valued as in model.iam_eval: what cannot be told is never an allow.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from model.iam_conditions import UNKNOWN_PART, Tri, condition_results, glob_match
from model.iam_eval import Decision, Policy, Request, Verdict, policy_outcomes, shown, unmet_conditions
from model.values import Malformed, is_unknown

ORGANIZATION_ABSENT = "absent"
ORGANIZATION_UNKNOWN = "unknown"
ORGANIZATION_NAMED = "organization SCPs/RCPs (service control policies and resource control policies)"


@dataclass(frozen=True)
class Caller:
    """The principal making the call: a role, as AWS matches it in a Principal element."""

    role_arn: str
    account: str  # possibly partly known (UNKNOWN_PART)
    partition: str = "aws"
    # IAM User Guide, NotPrincipal: a resource-based Deny with NotPrincipal always denies a
    # principal that has a permissions boundary, whatever NotPrincipal lists.
    has_boundary: bool = False

    @property
    def root(self) -> str:
        return f"arn:{self.partition}:iam::{self.account}:root"


@dataclass(frozen=True)
class Access:
    """Everything AWS evaluates for one caller on one resource.

    `boundary` is the role's permissions boundary (None: the role has none). `resource_policies`
    are the resource's own policies (secret policy, repository policy). `key_policy` is set for
    calls on a KMS key (its document may be UNKNOWN when it cannot be read).
    """

    caller: Caller
    identity: Sequence[Policy]
    boundary: Policy | None = None
    resource_policies: Sequence[Policy] = field(default_factory=tuple)
    key_policy: Policy | None = None
    organization: str = ORGANIZATION_ABSENT


def authorize(access: Access, request: Request) -> Verdict:
    context = {str(key).lower(): value for key, value in request.context.items()}
    what = f"{request.action} on {shown(request.resource)}"
    layers: list[tuple[str, list[tuple]]] = [("identity", _identity_outcomes(access.identity, request, context))]
    if access.boundary is not None:
        layers.append(("boundary", _identity_outcomes([access.boundary], request, context)))
    resource_outcomes = [o for p in access.resource_policies for o in _resource_outcomes(p, access.caller, request, context)]
    layers.append(("resource", resource_outcomes))
    key_outcomes = _resource_outcomes(access.key_policy, access.caller, request, context) if access.key_policy else []
    layers.append(("resource", key_outcomes))

    for layer, outcomes in layers:
        for effect, applies, source, why, statement, *_ in outcomes:
            if effect == "Deny" and applies is Tri.YES:
                return Verdict(Decision.DENIED, f"{what} is denied by {why}", source, statement, layer)

    identity = _best_allow(layers[0][1])
    # What no policy can overturn comes before what is only uncertain: an action the boundary
    # cannot allow, and a key whose key policy neither grants nor delegates, are denied whatever
    # the unknown parts of the other policies turn out to be.
    if access.boundary is not None and _best_allow(layers[1][1]) is None:
        allowed_by = f"allowed by {identity[3]}" if identity is not None else "not allowed by any identity policy"
        return Verdict(Decision.IMPLICIT_DENY,
                       f"{what} is {allowed_by}, but no permissions boundary allows the {request.action} action: no "
                       f"statement of {access.boundary.source} allows it", access.boundary.source, None, "boundary")
    if access.key_policy is not None and not is_unknown(access.key_policy.document) and not any(
            o[0] == "Allow" for o in key_outcomes):
        return _no_key_grant(access, request, what, identity)

    for layer, outcomes in layers:
        for effect, applies, source, why, statement, *_ in outcomes:
            if effect == "Deny" and applies is Tri.MAYBE:
                return Verdict(Decision.INCONCLUSIVE, f"{what} may be denied by {why}", source, statement, layer)

    if access.key_policy is not None:
        granted = _key_grant(access, request, what, identity, key_outcomes)
    else:
        direct = _best_allow([o for o in resource_outcomes if o[5] == "direct"])
        granted = _either(identity, direct, what)
        if granted is None:
            missed = unmet_conditions(access.identity, request)
            detail = f" ({'; '.join(missed)})" if missed else ""
            granted = Verdict(Decision.IMPLICIT_DENY, f"no statement allows {what}{detail}")
    if granted.decision is not Decision.ALLOWED:
        return granted
    if access.boundary is not None:
        bounded = _best_allow(layers[1][1])
        if bounded[1] is Tri.MAYBE:
            return Verdict(Decision.INCONCLUSIVE, f"{what} may be allowed by {bounded[3]}", bounded[2], bounded[4],
                           "boundary")
    if access.organization == ORGANIZATION_UNKNOWN:
        return Verdict(Decision.INCONCLUSIVE, f"{what} is allowed by the stack's policies, but {ORGANIZATION_NAMED} "
                       "may deny it (organizationPolicies: unknown)", None, None, "organization")
    return granted


def _identity_outcomes(policies: Sequence[Policy], request: Request, context: dict) -> list[tuple]:
    found = []
    for policy in policies:
        for effect, applies, source, why, statement in policy_outcomes(policy, request, context):
            if isinstance(statement, dict):
                why = _with_conditions(why, statement, request, context, effect, applies)
            found.append((effect, applies, source, why, statement, "identity"))
    return found


def _best_allow(outcomes: list[tuple]) -> tuple | None:
    for applies in (Tri.YES, Tri.MAYBE):
        for outcome in outcomes:
            if outcome[0] == "Allow" and outcome[1] is applies:
                return outcome
    return None


def _as_verdict(outcome: tuple, what: str, layer: str) -> Verdict:
    _, applies, source, why, statement, *_ = outcome
    if applies is Tri.YES:
        return Verdict(Decision.ALLOWED, f"{what} is allowed by {why}", source, statement, layer)
    return Verdict(Decision.INCONCLUSIVE, f"{what} may be allowed by {why}", source, statement, layer)


def _either(identity: tuple | None, direct: tuple | None, what: str) -> Verdict | None:
    """Same account: an Allow in an identity policy or in a resource policy naming the role suffices."""
    for outcome, layer in ((identity, "identity"), (direct, "resource")):
        if outcome is not None and outcome[1] is Tri.YES:
            return _as_verdict(outcome, what, layer)
    for outcome, layer in ((identity, "identity"), (direct, "resource")):
        if outcome is not None:
            return _as_verdict(outcome, what, layer)
    return None


def _key_grant(access: Access, request: Request, what: str, identity: tuple | None, key_outcomes: list) -> Verdict:
    key = access.key_policy
    direct = _best_allow([o for o in key_outcomes if o[5] == "direct"])
    delegation = _best_allow([o for o in key_outcomes if o[5] == "account"])
    if direct is not None and direct[1] is Tri.YES:
        return _as_verdict(direct, what, "resource")
    if delegation is not None and identity is not None:
        if delegation[1] is Tri.YES and identity[1] is Tri.YES:
            return _as_verdict(identity, what, "identity")
        maybe = identity if identity[1] is Tri.MAYBE else delegation
        return _as_verdict(maybe, what, "identity" if maybe is identity else "resource")
    if direct is not None:
        return _as_verdict(direct, what, "resource")
    if is_unknown(key.document):
        return Verdict(Decision.INCONCLUSIVE, f"{what} depends on {key.source}, which is not known", key.source, None,
                       "resource")
    if delegation is None:
        return _no_key_grant(access, request, what, identity)
    missed = unmet_conditions(access.identity, request)
    detail = f" ({'; '.join(missed)})" if missed else ""
    return Verdict(Decision.IMPLICIT_DENY, f"no statement allows {what}{detail}")


def _no_key_grant(access: Access, request: Request, what: str, identity: tuple | None) -> Verdict:
    """The key policy neither names the role nor lets the account's IAM policies grant the call."""
    key = access.key_policy
    ignored = f"; {identity[3]} allows it, which KMS ignores without that delegation" if identity is not None else ""
    return Verdict(Decision.IMPLICIT_DENY,
                   f"no statement of {key.source} allows {what} for {shown(access.caller.role_arn)}, and the key "
                   f"policy does not let IAM policies grant it (no statement allows the account "
                   f"{shown(access.caller.root)} {request.action}){ignored}", key.source, None, "resource")


# ---------------------------------------------------------------- resource-based policies


def _resource_outcomes(policy: Policy | None, caller: Caller, request: Request, context: dict) -> list[tuple]:
    """Outcomes of a resource-based policy for the caller: (effect, applies, source, why, statement,
    grantee) where grantee is "direct" (names the role, or everyone) or "account" (names the
    caller's account, which then delegates to the account's IAM policies)."""
    if policy is None:
        return []
    document = policy.document
    if isinstance(document, Malformed) or document is None:
        return []
    if is_unknown(document) or not isinstance(document, dict) or is_unknown(document.get("Statement")):
        if not is_unknown(document) and not isinstance(document, dict):
            return []
        why = f"{policy.source}, which is not known yet"
        return [("Deny", Tri.MAYBE, policy.source, why, None, "direct"),
                ("Allow", Tri.MAYBE, policy.source, why, None, "direct")]
    statements = document.get("Statement")
    statements = [statements] if isinstance(statements, dict) else statements
    found = []
    for number, statement in enumerate(statements if isinstance(statements, list) else [], start=1):
        if not isinstance(statement, dict):
            continue
        principal, grantee = principal_matches(statement, caller)
        if principal is Tri.NO:
            continue
        # A resource policy applies to the resource it is attached to; ECR repository policies
        # have no Resource element at all.
        scoped = statement if ("Resource" in statement or "NotResource" in statement) else {**statement, "Resource": "*"}
        scoped = {k: v for k, v in scoped.items() if k not in ("Principal", "NotPrincipal")}
        single = Policy(policy.source, {**document, "Statement": [scoped]})
        for effect, applies, source, why, _statement in policy_outcomes(single, request, context):
            why = why.replace("statement 1 ", f"statement {number} ", 1)
            if principal is Tri.MAYBE:
                applies = Tri.MAYBE if applies is not Tri.NO else applies
                why = f"{why} (its Principal cannot be matched until its values are known)"
            elif "NotPrincipal" in statement:
                why = (f"{why} (a Deny with NotPrincipal, which applies to every principal that has a permissions "
                       "boundary, whatever NotPrincipal lists)" if caller.has_boundary and effect == "Deny"
                       else f"{why} (the caller is not excluded by its NotPrincipal)")
            found.append((effect, applies, source, _with_conditions(why, statement, request, context, effect, applies),
                          statement, grantee))
    return found


def _with_conditions(why: str, statement: dict, request: Request, context: dict, effect: str, applies: Tri) -> str:
    """A Deny that applies is quoted with its condition, so the message names the key that decided."""
    if effect != "Deny" or applies is not Tri.YES or not isinstance(statement.get("Condition"), dict):
        return why
    held = [text for result, text in condition_results(statement["Condition"], context) if result is Tri.YES]
    return f"{why}, whose condition {' and '.join(held)} holds" if held else why


def principal_matches(statement: dict, caller: Caller) -> tuple[Tri, str]:
    """Whether a resource-policy statement's Principal (or NotPrincipal) covers the caller."""
    if "Principal" in statement:
        return _principal_covers(statement["Principal"], caller)
    if "NotPrincipal" in statement:
        if caller.has_boundary and statement.get("Effect") == "Deny":
            return Tri.YES, "direct"
        found, _ = _principal_covers(statement["NotPrincipal"], caller, session_only=True)
        return {Tri.YES: Tri.NO, Tri.NO: Tri.YES, Tri.MAYBE: Tri.MAYBE}[found], "direct"
    return Tri.NO, ""


def _principal_covers(principal: Any, caller: Caller, session_only: bool = False) -> tuple[Tri, str]:
    """`session_only`: for NotPrincipal, which must name the assumed-role session (or the account)
    to exclude a role's calls; naming only the role ARN does not (IAM User Guide, NotPrincipal)."""
    if is_unknown(principal):
        return Tri.MAYBE, "direct"
    if principal == "*":
        return Tri.YES, "direct"
    if not isinstance(principal, dict):
        return Tri.NO, ""
    names = principal.get("AWS")
    if names is None:
        return Tri.NO, ""
    results: list[tuple[Tri, str]] = []
    for name in names if isinstance(names, list) else [names]:
        if is_unknown(name):
            results.append((Tri.MAYBE, "direct"))
        elif isinstance(name, str):
            results.append(_one_principal(name, caller, session_only))
    for wanted in (Tri.YES, Tri.MAYBE):
        for result, grantee in results:
            if result is wanted:
                return result, grantee
    return Tri.NO, ""


def _one_principal(name: str, caller: Caller, session_only: bool) -> tuple[Tri, str]:
    if name == "*":
        return Tri.YES, "direct"
    account = _equal(name, caller.account) if name.isdigit() else _equal(name, caller.root)
    if account is not Tri.NO:
        return account, "account"
    if session_only:
        return Tri.NO, ""
    return _equal(name, caller.role_arn), "direct"


def _equal(name: str, value: str) -> Tri:
    """`value` may hold unknown parts (an account not known at preview)."""
    if name == value:
        return Tri.YES
    return glob_match(name, value) if UNKNOWN_PART in value else Tri.NO
