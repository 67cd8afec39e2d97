"""The README's policy table is generated from the pack and fails the build when it drifts."""

from __future__ import annotations

from pathlib import Path

import pytest
from pulumi_policy import Severity

from kit import resource_policy, stack_policy
from pack import all_policies
from scripts.policy_table import BEGIN, EMPTY, END, main, render_table, replace_section
from tests.ci.project_paths import README


def never_called(*_args) -> None:
    raise AssertionError("the table renders metadata only; it never runs a rule")


IMAGE_RULE = resource_policy(
    name="example-image-pinned",
    description="Container images are immutable references.",
    validate=never_called,
    severity=Severity.HIGH,
    remediation_steps="Pin the image by digest.",
    url="https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-tag-mutability.html",
)
REACH_RULE = stack_policy(
    name="example-subnets-reach",
    description="Every task subnet reaches ECR | S3\nthrough an endpoint or a NAT gateway.",
    validate=never_called,
    severity=Severity.CRITICAL,
    remediation_steps="Add the endpoints.",
    url="https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html",
)


def test_readme_policy_table_matches_the_pack() -> None:
    readme = README.read_text()

    assert replace_section(readme, render_table(all_policies())) == readme, (
        "README.md's policy table differs from the pack: run `make docs`"
    )


def test_table_has_one_row_per_rule_with_name_kind_severity_and_description() -> None:
    assert render_table([IMAGE_RULE, REACH_RULE]) == (
        "| rule | kind | severity | what it checks |\n"
        "|---|---|---|---|\n"
        "| `example-image-pinned` | resource | high | Container images are immutable references. |\n"
        "| `example-subnets-reach` | stack | critical "
        "| Every task subnet reaches ECR \\| S3 through an endpoint or a NAT gateway. |"
    )


def test_a_pack_without_rules_renders_a_sentence_not_an_empty_table() -> None:
    assert render_table([]) == EMPTY


def test_section_between_the_markers_is_replaced_and_the_rest_kept() -> None:
    text = f"intro\n{BEGIN}\nold table\n{END}\noutro\n"

    assert replace_section(text, "new table") == f"intro\n{BEGIN}\nnew table\n{END}\noutro\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            f"no end marker\n{BEGIN}\n",
            f"README.md has 0 copies of the marker {END!r}; it needs exactly one. "
            "Put the two markers around the policy table, BEGIN before END, each on its own line.",
        ),
        (
            f"{BEGIN}\n{BEGIN}\n{END}\n",
            f"README.md has 2 copies of the marker {BEGIN!r}; it needs exactly one. "
            "Put the two markers around the policy table, BEGIN before END, each on its own line.",
        ),
        (f"{END}\n{BEGIN}\n", f"README.md has {END!r} before {BEGIN!r}; put BEGIN first."),
    ],
)
def test_misplaced_markers_are_errors_that_say_how_to_fix_them(text: str, message: str) -> None:
    with pytest.raises(ValueError) as error:
        replace_section(text, "table")

    assert str(error.value) == message


def test_check_mode_fails_on_a_stale_table_and_write_mode_fixes_it(tmp_path: Path, capsys) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n{BEGIN}\n| stale |\n{END}\n")

    stale = main(["--check", "--readme", str(readme)])
    written = main(["--write", "--readme", str(readme)])
    fresh = main(["--check", "--readme", str(readme)])

    assert (stale, written, fresh) == (1, 0, 0)
    assert readme.read_text() == f"# x\n{BEGIN}\n{render_table(all_policies())}\n{END}\n"
    assert capsys.readouterr().err == f"{readme}: the policy table is out of date; run `make docs`\n"
