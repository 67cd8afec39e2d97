"""preflight's speed on generated raw-resource programs of N services (15 resources each).

Prints, for N = 10, 50 and 200, in the same run:
- the floor: the same program under the bare SDK mock runtime (`pulumi.runtime.set_mocks`
  with a trivial `Mocks`, in a fresh interpreter, as preflight runs programs);
- the program alone under preflight's host (`run_program`, no pack);
- preflight end to end with each pack, and its ratio to the floor.
Targets: at N = 200 preflight's total is at most 1.5x the floor; time(200) / time(10) <= 25.

Two packs are measured: the test fixture pack (four small rules: preflight's own overhead)
and the repository's pack (policies/) when it can start (it cannot before it has rules;
the benchmark then says so).
Usage: [BENCH_REPEAT=3] python bench/bench_preflight.py [N ...]   (median of BENCH_REPEAT runs per figure)
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from preflight.api import DEFAULT_POLICY_PACK, PreflightError, run_preflight  # noqa: E402
from preflight.program import run_program  # noqa: E402
from preflight.project import load_project  # noqa: E402

FIXTURE_PACK = REPO / "tests" / "fixtures" / "preflight" / "packs" / "basic"
SIZES = (10, 50, 200)

PROGRAM = '''\
import json

import pulumi
import pulumi_aws as aws

SERVICES = {services}
vpc = aws.ec2.Vpc("vpc", cidr_block="10.0.0.0/16")
subnets = [aws.ec2.Subnet(f"private-{{zone}}", vpc_id=vpc.id, cidr_block=f"10.0.{{index}}.0/24",
                          availability_zone=f"us-east-1{{zone}}") for index, zone in enumerate("ab")]
cluster = aws.ecs.Cluster("cluster", name="bench")
lb = aws.lb.LoadBalancer("alb", internal=False, subnets=[subnet.id for subnet in subnets])
listener = aws.lb.Listener("http", load_balancer_arn=lb.arn, port=80,
                           default_actions=[{{"type": "fixed-response",
                                             "fixed_response": {{"content_type": "text/plain", "status_code": "404"}}}}])
trust = json.dumps({{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Action": "sts:AssumeRole",
                    "Principal": {{"Service": "ecs-tasks.amazonaws.com"}}}}]}})

for index in range(SERVICES):
    name = f"svc{{index}}"
    repository = aws.ecr.Repository(f"{{name}}-repo", name=name, image_tag_mutability="IMMUTABLE",
                                    image_scanning_configuration={{"scan_on_push": True}})
    aws.ecr.LifecyclePolicy(f"{{name}}-lifecycle", repository=repository.name, policy=json.dumps({{"rules": []}}))
    logs = aws.cloudwatch.LogGroup(f"{{name}}-logs", name=f"/ecs/{{name}}", retention_in_days=30)
    parameter = aws.ssm.Parameter(f"{{name}}-db-url", name=f"/{{name}}/db/url", type="SecureString",
                                  value=pulumi.Output.secret("postgres://db"))
    execution = aws.iam.Role(f"{{name}}-execution", name=f"bench-{{name}}-execution", assume_role_policy=trust)
    aws.iam.RolePolicyAttachment(f"{{name}}-execution-managed", role=execution.name,
        policy_arn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy")
    aws.iam.RolePolicy(f"{{name}}-execution-ssm", role=execution.name, policy=json.dumps({{
        "Version": "2012-10-17",
        "Statement": [{{"Effect": "Allow", "Action": "ssm:GetParameters",
                       "Resource": f"arn:aws:ssm:us-east-1:123456789012:parameter/{{name}}/db/url"}}]}}))
    task_role = aws.iam.Role(f"{{name}}-task", name=f"bench-{{name}}-task", assume_role_policy=trust)
    group = aws.ec2.SecurityGroup(f"{{name}}-sg", vpc_id=vpc.id, description=name)
    aws.vpc.SecurityGroupIngressRule(f"{{name}}-in", security_group_id=group.id, ip_protocol="tcp",
                                     from_port=8080, to_port=8080, cidr_ipv4="10.0.0.0/16")
    aws.vpc.SecurityGroupEgressRule(f"{{name}}-out", security_group_id=group.id, ip_protocol="-1",
                                    cidr_ipv4="0.0.0.0/0")
    target_group = aws.lb.TargetGroup(f"{{name}}-tg", port=8080, protocol="HTTP", target_type="ip", vpc_id=vpc.id,
                                      health_check={{"path": "/health", "port": "traffic-port"}})
    aws.lb.ListenerRule(f"{{name}}-rule", listener_arn=listener.arn, priority=index + 1,
                        actions=[{{"type": "forward", "target_group_arn": target_group.arn}}],
                        conditions=[{{"path_pattern": {{"values": [f"/{{name}}/*"]}}}}])
    task = aws.ecs.TaskDefinition(
        f"{{name}}-task-def", family=f"bench-{{name}}", cpu="256", memory="512", network_mode="awsvpc",
        requires_compatibilities=["FARGATE"], execution_role_arn=execution.arn, task_role_arn=task_role.arn,
        container_definitions=json.dumps([{{
            "name": name, "image": f"123456789012.dkr.ecr.us-east-1.amazonaws.com/{{name}}:v1",
            "portMappings": [{{"containerPort": 8080}}],
            "secrets": [{{"name": "DB_URL", "valueFrom": f"/{{name}}/db/url"}}],
            "logConfiguration": {{"logDriver": "awslogs", "options": {{"awslogs-group": f"/ecs/{{name}}",
                                 "awslogs-region": "us-east-1", "awslogs-stream-prefix": name}}}},
        }}]))
    aws.ecs.Service(f"{{name}}-service", cluster=cluster.arn, task_definition=task.arn, desired_count=2,
                    launch_type="FARGATE",
                    network_configuration={{"subnets": [subnet.id for subnet in subnets],
                                           "security_groups": [group.id]}},
                    load_balancers=[{{"target_group_arn": target_group.arn, "container_name": name,
                                     "container_port": 8080}}])
'''


def write_program(directory: Path, services: int) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "Pulumi.yaml").write_text(f"name: bench-{services}\nruntime: python\n")
    (directory / "Pulumi.bench.yaml").write_text("config:\n  aws:region: us-east-1\n")
    (directory / "__main__.py").write_text(PROGRAM.format(services=services))
    return directory


# The bare SDK mock run: what any Pulumi mock test of this program costs. Registrations are
# answered by a Mocks that echoes inputs; the run waits for every outstanding registration.
FLOOR = """\
import asyncio, runpy, sys
import pulumi
from pulumi.runtime.stack import wait_for_rpcs

class Mocks(pulumi.runtime.Mocks):
    def new_resource(self, args):
        return [args.name + "-id", args.inputs]

    def call(self, args):
        return {}

loop = asyncio.new_event_loop()
asyncio.set_event_loop(loop)
pulumi.runtime.set_mocks(Mocks(), project=sys.argv[2], stack="bench", preview=True)
runpy.run_path(sys.argv[1], run_name="__main__")
loop.run_until_complete(wait_for_rpcs())
print(len(pulumi.runtime.settings.SETTINGS.monitor.resources))
"""


def floor_run(directory: Path, interpreter: str) -> int:
    """The bare mock run; returns how many resources the SDK's mock monitor registered."""
    env = {**os.environ, "PULUMI_CONFIG": json.dumps({"aws:region": "us-east-1"})}
    done = subprocess.run([interpreter, "-c", FLOOR, str(directory / "__main__.py"), directory.name], cwd=directory,
                          env=env, check=True, capture_output=True, text=True)
    return int(done.stdout.split()[-1])


def repository_pack_usable(sample: Path) -> bool:
    try:
        run_preflight(sample, stack="bench", mode="preview", policy_pack=DEFAULT_POLICY_PACK)
        return True
    except PreflightError as error:
        print(f"note: the repository's pack cannot run ({error.message.splitlines()[0]}); "
              "only the fixture pack is measured\n")
        return False


def cpu_seconds() -> float:
    """CPU time (user + system) of this process and of its ended children: steadier than wall time
    on a shared machine, and it counts the program's and the pack's processes."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def median_run(run, repeat: int):
    """Median wall time and median CPU time of `repeat` runs (one run on a shared 2-core machine
    varies by 2x), and a result."""
    times, cpus, result = [], [], None
    for _ in range(repeat):
        started, cpu_started = time.perf_counter(), cpu_seconds()
        result = run()
        times.append(time.perf_counter() - started)
        cpus.append(cpu_seconds() - cpu_started)
    return statistics.median(times), statistics.median(cpus), result


def main(sizes: tuple[int, ...]) -> None:
    repeat = int(os.environ.get("BENCH_REPEAT", "3"))
    # Large stacks legitimately take the pack longer than the default per-call bound.
    os.environ.setdefault("PREFLIGHT_PACK_TIMEOUT", "900")
    with tempfile.TemporaryDirectory(prefix="bench-preflight-") as scratch:
        programs = {n: write_program(Path(scratch) / f"n{n}", n) for n in sizes}
        packs = {"fixture pack": FIXTURE_PACK}
        if repository_pack_usable(programs[sizes[0]]):
            packs["policies/"] = DEFAULT_POLICY_PACK
        print(f"mode: preview; median of {repeat} run(s) per figure; 'after' = time the policies add once the "
              "program has ended\n")
        print("wall s / cpu s: wall-clock and CPU time (this process and its children) of each figure\n")
        header = f"{'N':>5} {'resources':>9} {'floor wall/cpu s':>17} {'program wall/cpu s':>19}"
        for label in packs:
            header += f" | {label + ' wall/cpu s':>25} {'x floor':>11} {'after s':>8}"
        print(header)
        totals: dict[str, dict[int, float]] = {label: {} for label in packs}
        cpu_totals: dict[str, dict[int, float]] = {label: {} for label in packs}
        floors: dict[int, float] = {}
        floor_cpus: dict[int, float] = {}
        for n, directory in programs.items():
            project = load_project(directory, "bench")
            floors[n], floor_cpus[n], registered = median_run(partial(floor_run, directory, project.interpreter),
                                                              repeat)
            assert registered >= 15 * n, f"the floor run registered only {registered} resources"
            # The host alone, measured after a warm-up run so it is not charged for first imports.
            run_program(project, stack="bench", mode="preview", invokes={}, stack_outputs={})
            alone, alone_cpu, run = median_run(partial(run_program, project, stack="bench", mode="preview",
                                                       invokes={}, stack_outputs={}), repeat)
            line = (f"{n:>5} {len(run.resources):>9} {floors[n]:>8.2f}/{floor_cpus[n]:<8.2f} "
                    f"{alone:>9.2f}/{alone_cpu:<9.2f}")
            for label, pack in packs.items():
                totals[label][n], cpu_totals[label][n], report = median_run(
                    partial(run_preflight, directory, stack="bench", mode="preview", policy_pack=pack), repeat)
                line += (f" | {totals[label][n]:>12.2f}/{cpu_totals[label][n]:<12.2f} "
                         f"{totals[label][n] / floors[n]:>5.2f}/{cpu_totals[label][n] / floor_cpus[n]:<5.2f} "
                         f"{report.timings['policies_s']:>8.2f}")
            print(line, flush=True)
        if len(sizes) > 1:
            first, last = sizes[0], sizes[-1]
            print()
            for label in packs:
                print(f"{label}: time({last}) / time({first}) = {totals[label][last] / totals[label][first]:.1f} "
                      f"(target <= 25); at N = {last} preflight takes {totals[label][last] / floors[last]:.2f}x "
                      f"the bare SDK mock run's wall time and {cpu_totals[label][last] / floor_cpus[last]:.2f}x "
                      f"its CPU time (target <= 1.5x)")


if __name__ == "__main__":
    main(tuple(int(arg) for arg in sys.argv[1:]) or SIZES)
