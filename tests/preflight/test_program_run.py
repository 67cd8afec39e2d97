"""The program run: what the recording monitor captures, as the engine would see it."""

from __future__ import annotations

import pytest

from preflight.errors import PreflightError
from preflight.host.wire import UNKNOWN
from preflight.program import run_program
from preflight.project import load_project

from .conftest import PROJECTS

STACK = "urn:pulumi:dev::components::pulumi:pulumi:Stack::components-dev"
REGISTRY = "urn:pulumi:dev::components::fixture:index:Registry::web"
REPOSITORY = "urn:pulumi:dev::components::fixture:index:Registry$aws:ecr/repository:Repository::web-repo"
IMAGE = "urn:pulumi:dev::components::fixture:index:Registry$docker-build:index:Image::web-image"
LOGS = "urn:pulumi:dev::components::aws:cloudwatch/logGroup:LogGroup::logs"
CLUSTER = "urn:pulumi:dev::components::aws:ecs/cluster:Cluster::cluster"
WEST = "urn:pulumi:dev::components::pulumi:providers:aws::west"
DEFAULT_AWS = "urn:pulumi:dev::components::pulumi:providers:aws::default_7_51_1"
DEFAULT_DOCKER_BUILD = "urn:pulumi:dev::components::pulumi:providers:docker-build::default_0_0_22"
DIGEST = "sha256:c4e41b6b105806a892e8a3c08afca3ad2bb39f405e7d84242dc2f4c7faa7b10e"


def run(project: str, mode: str = "preview", stack: str = "dev", **kwargs):
    return run_program(load_project(PROJECTS / project, stack), stack=stack, mode=mode,
                       invokes=kwargs.get("invokes", {}), stack_outputs=kwargs.get("stack_outputs", {}))


@pytest.fixture(scope="module")
def components_preview():
    return {record["urn"]: record for record in run("components", "preview").resources}


@pytest.fixture(scope="module")
def components_update():
    return {record["urn"]: record for record in run("components", "update").resources}


def test_urns_parents_and_custom_flags_follow_the_engine(components_preview):
    assert {urn: (record["parent"], record["custom"]) for urn, record in components_preview.items()} == {
        STACK: (None, False),
        WEST: (STACK, True),
        REGISTRY: (STACK, False),
        REPOSITORY: (REGISTRY, True),
        IMAGE: (REGISTRY, True),
        LOGS: (STACK, True),
        CLUSTER: (STACK, True),
    }


def test_providers_explicit_and_default(components_preview):
    assert {urn: record["provider"] for urn, record in components_preview.items()} == {
        STACK: None, WEST: None, REGISTRY: None,
        REPOSITORY: DEFAULT_AWS, IMAGE: DEFAULT_DOCKER_BUILD, LOGS: WEST, CLUSTER: DEFAULT_AWS,
    }
    assert components_preview[WEST]["inputs"] == {
        "region": "us-west-2", "skipCredentialsValidation": "false", "skipRegionValidation": "true",
    }


def test_default_providers_take_the_stack_config_of_their_package():
    result = run("components", "preview")
    assert result.default_providers == [
        {"urn": DEFAULT_AWS, "type": "pulumi:providers:aws", "name": "default_7_51_1",
         "inputs": {"region": "us-east-1", "version": "7.51.1"}, "default_provider": True},
        {"urn": DEFAULT_DOCKER_BUILD, "type": "pulumi:providers:docker-build", "name": "default_0_0_22",
         "inputs": {"version": "0.0.22"}, "default_provider": True},
    ]


def test_dependencies_and_property_dependencies_are_recorded(components_preview):
    assert components_preview[IMAGE]["dependencies"] == [REPOSITORY]
    assert components_preview[IMAGE]["propertyDependencies"] == {"tags": [REPOSITORY]}
    # depends_on a component waits for its children, which is what the SDK sends.
    assert components_preview[LOGS]["dependencies"] == [REPOSITORY, IMAGE]
    assert components_preview[LOGS]["propertyDependencies"] == {}
    assert components_preview[CLUSTER]["propertyDependencies"] == {"tags": [LOGS]}


def test_preview_sees_derived_outputs_through_and_leaves_chosen_ones_unknown(components_preview):
    image = components_preview[IMAGE]
    # The tag is built from the repository URL, which follows from the name, region and account:
    # see-through preview knows it; the engine's own preview would not (flagged).
    assert image["inputs"]["tags"] == ["123456789012.dkr.ecr.us-east-1.amazonaws.com/web-repo:v1"]
    assert image["seeThrough"] == ["tags[0]"]
    assert image["id"] == ""
    # The digest is the registry's choice.
    assert {key: image["outputs"][key] for key in ("ref", "digest", "id")} == {
        "ref": UNKNOWN, "digest": UNKNOWN, "id": UNKNOWN,
    }
    assert components_preview[REPOSITORY]["outputs"] == {
        "name": "web-repo", "imageTagMutability": "IMMUTABLE", "id": UNKNOWN,
        "arn": "arn:aws:ecr:us-east-1:123456789012:repository/web-repo", "registryId": "123456789012",
        "repositoryUrl": "123456789012.dkr.ecr.us-east-1.amazonaws.com/web-repo",
    }
    assert components_preview[STACK]["outputs"] == {"clusterArn": "arn:aws:ecs:us-east-1:123456789012:cluster/web",
                                                    "imageRef": UNKNOWN}


def test_update_derives_outputs_from_inputs_region_and_account(components_update):
    assert components_update[REPOSITORY]["outputs"] == {
        "name": "web-repo", "imageTagMutability": "IMMUTABLE", "id": "web-repo",
        "arn": "arn:aws:ecr:us-east-1:123456789012:repository/web-repo",
        "registryId": "123456789012",
        "repositoryUrl": "123456789012.dkr.ecr.us-east-1.amazonaws.com/web-repo",
    }
    image = components_update[IMAGE]
    assert image["inputs"]["tags"] == ["123456789012.dkr.ecr.us-east-1.amazonaws.com/web-repo:v1"]
    assert image["outputs"]["digest"] == DIGEST
    assert image["outputs"]["ref"] == f"123456789012.dkr.ecr.us-east-1.amazonaws.com/web-repo:v1@{DIGEST}"
    assert components_update[CLUSTER]["outputs"]["arn"] == "arn:aws:ecs:us-east-1:123456789012:cluster/web"
    assert components_update[CLUSTER]["outputs"]["tagsAll"] == {"logGroup": "/ecs/web"}
    assert components_update[STACK]["outputs"] == {
        "clusterArn": "arn:aws:ecs:us-east-1:123456789012:cluster/web",
        "imageRef": f"123456789012.dkr.ecr.us-east-1.amazonaws.com/web-repo:v1@{DIGEST}",
    }
    assert components_update[REGISTRY]["outputs"] == {
        "repositoryUrl": "123456789012.dkr.ecr.us-east-1.amazonaws.com/web-repo",
    }


def test_two_runs_give_the_same_records(components_update):
    again = {record["urn"]: record for record in run("components", "update").resources}
    assert again == components_update


def test_config_plain_structured_and_secure_reach_the_program_as_the_language_host_passes_them():
    result = run("config_kinds", "update")
    records = {record["name"]: record for record in result.resources}
    secret = "1b47061264138c4ac30d75fd1eb44270"
    assert records["config-kinds-dev"]["outputs"] == {
        "greeting": "hello",
        "replicas": 3,
        "service": {"name": "web", "ports": [80, 443], "public": True},
        "region": "us-west-2",
        "password": {"4dabf18193072939515e22adb298388d": secret, "value": "[secret]"},
        "databaseHost": {"4dabf18193072939515e22adb298388d": secret, "value": "db.internal"},
        "secretKeys": ["config-kinds:database", "config-kinds:dbPassword"],
    }
    # Secure values are never decrypted: the program gets a placeholder, sent as a secret.
    assert records["db-password"]["inputs"] == {
        "name": "/web/db/password", "type": "SecureString",
        "value": {"4dabf18193072939515e22adb298388d": secret, "value": "[secret]"},
    }


def test_every_builtin_invoke_answers_deterministically():
    outputs = next(record for record in run("invokes").resources if record["type"] == "pulumi:pulumi:Stack")["outputs"]
    vpc_id = outputs["vpcId"]
    assert outputs == {
        "accountId": "123456789012",
        "callerArn": "arn:aws:iam::123456789012:user/preflight",
        "partition": "aws",
        "dnsSuffix": "amazonaws.com",
        "region": "eu-central-1",
        "regionDescription": "Europe (Frankfurt)",
        "zones": ["eu-central-1a", "eu-central-1b"],
        "zoneIds": ["euc1-az1", "euc1-az2"],
        "vpcId": vpc_id,
        "vpcCidr": "172.31.0.0/16",
        "subnetIds": outputs["subnetIds"],
        "firstSubnet": {"az": "eu-central-1a", "cidr": "172.31.0.0/20", "public": True},
        "zoneBSubnet": outputs["subnetIds"][1],
        "routes": [{"cidr": "0.0.0.0/0", "gateway": outputs["routes"][0]["gateway"]}],
        "registry": {"user": "AWS", "endpoint": "https://123456789012.dkr.ecr.eu-central-1.amazonaws.com"},
        "registryPassword": outputs["registryPassword"],
        "vpcCidrFromOutput": "172.31.0.0/16",
    }
    assert vpc_id.startswith("vpc-") and len(vpc_id) == 21
    assert [subnet.startswith("subnet-") for subnet in outputs["subnetIds"]] == [True, True]
    assert outputs["subnetIds"][0] != outputs["subnetIds"][1]
    assert outputs["routes"][0]["gateway"].startswith("igw-")
    assert outputs["registryPassword"]["value"].startswith("preflight-")


def test_stack_reference_reads_the_given_outputs():
    result = run("stack_reference", "preview",
                 stack_outputs={"acme/network/prod": {"vpcId": "vpc-0abc", "privateSubnetIds": ["subnet-1", "subnet-2"]}})
    records = {record["name"]: record for record in result.resources}
    assert records["acme/network/prod"]["type"] == "pulumi:pulumi:StackReference"
    assert records["acme/network/prod"]["read"] is True
    assert records["tasks"]["inputs"] == {"vpcId": "vpc-0abc", "description": "tasks", "name": "tasks-15c5e91"}
    assert records["consumer-dev"]["outputs"] == {"vpcId": "vpc-0abc", "subnets": ["subnet-1", "subnet-2"]}


def test_missing_stack_outputs_name_the_stack():
    with pytest.raises(PreflightError) as raised:
        run("stack_reference")
    assert raised.value.message == (
        "the program reads the stack 'acme/network/prod' through a StackReference, and no outputs were given for "
        "it; pass --stack-outputs acme/network/prod=FILE (a JSON object of that stack's outputs, as "
        "`pulumi stack output --json` prints it)"
    )


def test_program_error_shows_the_message_first_and_only_the_users_frames():
    with pytest.raises(PreflightError) as raised:
        run("program_error")
    assert raised.value.message == (
        "the program failed: ValueError: cpu 300 is not a Fargate size; use 256\n"
        "Traceback (your program's frames, most recent call last):\n"
        '  File "__main__.py", line 5, in <module>\n'
        "    memory = memory_for(300)\n"
        '  File "lib/sizes.py", line 6, in memory_for\n'
        '    raise ValueError(f"cpu {cpu} is not a Fargate size; use 256")'
    )


def test_unknown_invoke_names_the_token_and_the_file_format():
    with pytest.raises(PreflightError) as raised:
        run("unknown_invoke")
    message = raised.value.message
    assert message.startswith(
        'the program called the function aws:ec2/getInstance:getInstance with {"filters": [{"name": '
        '"instance-state-name", "values": ["running"]}], "instanceTags": {"Name": "bastion"}}, which preflight '
        "cannot answer: preflight has no built-in answer for this function.\nAnswer it with --invokes FILE.\n"
        "An --invokes file (JSON or YAML) maps each function token to its answers;"
    )
    assert "  aws:ec2/getVpc:getVpc:\n    - args: {id: vpc-0123456789abcdef0}\n" in message
    assert 'File "__main__.py", line 4, in <module>' in message


def test_invokes_file_answers_the_first_matching_entry():
    answers = {"aws:ec2/getInstance:getInstance": [
        {"args": {"instanceTags": {"Name": "jump"}}, "result": {"id": "i-0000000000000000a"}},
        {"result": {"id": "i-0123456789abcdef0"}},
    ]}
    result = run("unknown_invoke", invokes=answers)
    stack = next(record for record in result.resources if record["type"] == "pulumi:pulumi:Stack")
    assert stack["outputs"] == {"bastion": "i-0123456789abcdef0"}
