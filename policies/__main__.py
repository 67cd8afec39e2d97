"""Entry point the Pulumi engine runs: assembles the pack and serves it over gRPC.

Only this file builds `PolicyPack`, because its constructor starts a server and never
returns; tests import the rule modules (or `pack.all_policies()`) instead.
"""

from pulumi_policy import EnforcementLevel, PolicyPack

from pack import PACK_NAME, all_policies

PolicyPack(
    name=PACK_NAME,
    enforcement_level=EnforcementLevel.ADVISORY,
    policies=all_policies(),
)
