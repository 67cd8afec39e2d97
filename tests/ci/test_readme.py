"""The README tells a newcomer, in order, what berth is, how to run it, and what each policy prevents."""

from __future__ import annotations

import re

from tests.ci.project_paths import FIELD_NOTES, POLICY_CATALOG, README, REPO_ROOT, shared_file

SECTIONS = [
    "## Start here: two commands",
    "## Where things are",
    "## Deploying for real",
    "## preflight on your own project",
    "## Settings",
    "## Outputs: the stack's API",
    "## Policy catalog",
    "## Troubleshooting: AWS errors and the rule that prevents each",
]
# An AWS error as the field notes quote it: an error or exception name, or ECS's own wording.
AWS_ERROR = re.compile(r"error|exception|unable to|timeout", re.IGNORECASE)


def readme() -> str:
    return README.read_text()


def fenced_blocks(text: str) -> list[tuple[str, str]]:
    """(language, body) of every fenced code block, in order."""
    return re.findall(r"^```(\w*)\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL)


def section(text: str, heading: str) -> str:
    start = text.index(heading + "\n")
    following = text.find("\n## ", start + len(heading))
    return text[start : following if following != -1 else len(text)]


def commands(block: str) -> list[str]:
    return [line.split("#", 1)[0].strip() for line in block.splitlines() if line.split("#", 1)[0].strip()]


def test_sections_come_in_the_order_a_newcomer_needs_them() -> None:
    headings = [line for line in readme().splitlines() if line.startswith("## ")]

    assert headings == SECTIONS


def test_readme_opens_with_what_berth_is_and_a_diagram_of_what_a_stack_deploys() -> None:
    text = readme()
    intro = text[: text.index(SECTIONS[0])]
    language, diagram = fenced_blocks(intro)[0]

    assert intro.startswith("# berth\n\nberth takes a container from source")
    assert language == "mermaid"
    assert diagram.startswith("flowchart LR\n")
    for deployed in (
        "VPC",
        "subnets",
        "VPC endpoints",
        "NAT gateway",
        "Application Load Balancer",
        "listener",
        "target group",
        "ECS cluster",
        "ECS service",
        "Fargate tasks",
        "task definition",
        "ECR repository",
        "execution role",
        "task role",
        "log group",
        "alarms",
    ):
        assert deployed in diagram, f"the diagram does not show the {deployed}"


def test_the_first_commands_are_make_preview_then_make_test() -> None:
    command_blocks = [body for language, body in fenced_blocks(readme()) if language == "sh"]

    assert commands(command_blocks[0]) == ["make preview", "make test"]


def test_deploying_for_real_gives_the_pulumi_commands_with_the_pack_and_the_stack_config() -> None:
    deploy = section(readme(), "## Deploying for real")
    [block] = [body for language, body in fenced_blocks(deploy) if language == "sh"]
    steps = commands(block)

    assert steps[:3] == ["make preview", "pulumi login", "pulumi stack select dev"]
    assert "pulumi config set --secret <key> <value>" in steps
    assert steps[-1] == "pulumi up      --policy-pack policies --policy-pack-config policies/config/dev.json"


def test_every_relative_link_points_at_a_file_in_the_repository() -> None:
    targets = re.findall(r"\]\((?!https?://)([^)#]+)\)", readme())
    missing = [target for target in targets if not (REPO_ROOT / target).exists()]

    assert targets == [
        "docs/settings.md",
        "preflight/README.md",
        "docs/settings.md",
        "docs/outputs.md",
        "examples/consumer/",
        "docs/policies.md",
    ]
    assert missing == []


def one_line(text: str) -> str:
    return " ".join(text.split())


def field_note_errors() -> list[str]:
    """Every AWS error string the field notes quote: inline code spans and lines of code blocks."""
    notes = shared_file(FIELD_NOTES).read_text()
    block_lines = [line for _, body in fenced_blocks(notes) for line in body.splitlines()]
    # Inline spans may wrap across lines in the notes.
    prose = re.sub(r"^```.*?^```", "", notes, flags=re.MULTILINE | re.DOTALL)
    spans = re.findall(r"`([^`]+)`", prose)
    return [one_line(text) for text in [*spans, *block_lines] if AWS_ERROR.search(text)]


def test_troubleshooting_quotes_every_aws_error_from_the_field_notes() -> None:
    quoted = {one_line(span) for span in re.findall(r"`([^`]+)`", section(readme(), SECTIONS[-1]))}
    errors = field_note_errors()

    assert len(errors) == 7
    assert [error for error in errors if error not in quoted] == []


def test_troubleshooting_names_only_rules_from_the_catalog_and_every_error_row_names_one() -> None:
    catalog_rules = set(
        re.findall(r"^\| `([a-z0-9-]+)` \|", shared_file(POLICY_CATALOG).read_text(), re.MULTILINE)
    )
    troubleshooting = section(readme(), SECTIONS[-1])
    rows = [line for line in troubleshooting.splitlines() if line.startswith("| ") and "`" in line]
    # Rule names are lowercase words joined by at least two hyphens, in backticks.
    named = set(re.findall(r"`([a-z0-9]+(?:-[a-z0-9]+){2,})`", troubleshooting))

    assert len(catalog_rules) == 16
    assert len(rows) == 7
    assert named - catalog_rules == set()
    for row in rows:
        rule_cell = row.rstrip(" |").rsplit(" | ", 1)[1]
        assert set(re.findall(r"`([a-z0-9-]+)`", rule_cell)) & catalog_rules, f"no rule named in: {row}"
