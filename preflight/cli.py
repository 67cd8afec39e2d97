"""Command line: run a project's program and a policy pack, print a report, exit 0, 1 or 2.

Exit codes: 0 no mandatory violation; 1 at least one mandatory violation; 2 usage,
configuration or program error (the message first, then what to do).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .api import run_preflight
from .errors import PreflightError
from .render import render
from .side_files import parse_stack_outputs_flags
from .stack_tags import parse_stack_tag_flags

FORMATS = ("text", "json", "markdown", "sarif")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # usage errors exit 2, message first
        self.exit(2, f"preflight: error: {message}\n{self.format_usage()}")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m preflight",
        description="Run a Pulumi Python project under mocks and a policy pack over the Analyzer protocol, "
                    "without the Pulumi CLI or cloud credentials.",
    )
    parser.add_argument("project_dir", nargs="?", default=".", metavar="PROJECT_DIR",
                        help="the Pulumi project (directory with Pulumi.yaml); default: .")
    parser.add_argument("--stack", required=True, help="the stack whose config (Pulumi.<stack>.yaml) to use")
    parser.add_argument("--mode", choices=("preview", "update"), default="preview",
                        help="preview: as `pulumi preview` (outputs of new resources unknown); update: as `pulumi up` "
                             "(its preview first, then the update, which stops at the first mandatory violation)")
    parser.add_argument("--evaluate-all", action="store_true",
                        help="with --mode update: skip the preview stage and analyse every resource and the stack even "
                             "after a mandatory violation (the engine would stop); the report says so")
    parser.add_argument("--prior-state", type=Path, default=None, metavar="FILE",
                        help="the stack's state as `pulumi stack export` writes it: preview the stack as an update "
                             "of that state instead of a new stack")
    parser.add_argument("--organization", default=None, metavar="ORG",
                        help="the stack's organization as the engine sends it to the pack; default: "
                             "$PULUMI_ORGANIZATION, else `organization` (the self-managed backend's)")
    parser.add_argument("--stack-tag", action="append", default=[], metavar="KEY=VALUE",
                        help="a stack tag (as `pulumi stack tag set` stores it) sent to the pack (repeatable); the "
                             "tags the CLI derives from Pulumi.yaml are always sent")
    parser.add_argument("--policy-pack", type=Path, default=None, metavar="DIR",
                        help="the policy pack; default: this repository's policies/")
    parser.add_argument("--policy-config", type=Path, default=None, metavar="FILE",
                        help="policy pack config (--policy-pack-config shape); default: <pack>/config/<stack>.json "
                             "when it exists, else the pack's defaults")
    parser.add_argument("--format", choices=FORMATS, default="text")
    parser.add_argument("--output", type=Path, default=None, metavar="FILE", help="write the report here")
    parser.add_argument("--stack-outputs", action="append", default=[], metavar="ORG/PROJECT/STACK=FILE",
                        help="outputs of a stack the program reads through StackReference (repeatable)")
    parser.add_argument("--invokes", type=Path, default=None, metavar="FILE",
                        help="answers for provider functions preflight does not answer itself")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.evaluate_all and args.mode != "update":
        parser.error("--evaluate-all applies to --mode update only")
    try:
        report = run_preflight(
            args.project_dir, stack=args.stack, mode=args.mode, policy_pack=args.policy_pack,
            policy_config=args.policy_config, stack_outputs=parse_stack_outputs_flags(args.stack_outputs),
            invokes=args.invokes, organization=args.organization, stack_tags=parse_stack_tag_flags(args.stack_tag),
            evaluate_all=args.evaluate_all, prior_state=args.prior_state,
        )
    except PreflightError as error:
        print(f"preflight: error: {error.message}", file=sys.stderr)
        return 2
    colour = args.output is None and args.format == "text" and sys.stdout.isatty()
    text = render(report, args.format, colour=colour)
    if args.output is not None:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text)
    else:
        sys.stdout.write(text)
    return report.exit_code
