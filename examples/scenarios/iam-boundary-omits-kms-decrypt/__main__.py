"""The parameter is encrypted with the team's own key. The identity policies grant the read and the
decrypt, but the boundary was written before the key existed and allows SSM only.
"""

import json

import pulumi_aws as aws

account = aws.get_caller_identity().account_id
region = aws.get_region().region
parameter_arn = f"arn:aws:ssm:{region}:{account}:parameter/vault/api-token-cmk"

aws.cloudwatch.LogGroup("vault-logs", name="/ecs/vault", retention_in_days=14)

boundary = aws.iam.Policy("vault-boundary", name="vault-boundary", policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": ["ecr:*", "logs:CreateLogStream", "logs:PutLogEvents"], "Resource": "*"},
        {"Effect": "Allow", "Action": ["ssm:GetParameter", "ssm:GetParameters"], "Resource": "*"},
    ],
}))

role = aws.iam.Role(
    "vault-execution",
    name="vault-execution",
    permissions_boundary=boundary.arn,
    assume_role_policy=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                       "Action": "sts:AssumeRole"}],
    }),
)
aws.iam.RolePolicyAttachment("vault-execution-managed", role=role.name,
                             policy_arn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy")
aws.iam.RolePolicy("vault-execution-ssm", role=role.id, policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "ssm:GetParameters", "Resource": parameter_arn}],
}))

key = aws.kms.Key("vault-key", description="vault parameters", deletion_window_in_days=7)
aws.ssm.Parameter("vault-token", name="/vault/api-token-cmk", type="SecureString", key_id=key.arn, value="rotate-me")
aws.iam.RolePolicy("vault-execution-kms", role=role.id, policy=key.arn.apply(lambda key_arn: json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": key_arn,
                   "Condition": {"StringEquals": {"kms:ViaService": f"ssm.{region}.amazonaws.com"}}}],
})))

aws.ecs.TaskDefinition(
    "vault",
    family="vault",
    network_mode="awsvpc",
    requires_compatibilities=["FARGATE"],
    cpu="256",
    memory="512",
    execution_role_arn=role.arn,
    container_definitions=json.dumps([{
        "name": "vault",
        "image": "public.ecr.aws/docker/library/python@sha256:2a7871f428bd90dfe1fa561067c2fe2de0e73e834f8886f862ba28685e772272",
        "essential": True,
        "portMappings": [{"containerPort": 8000}],
        "secrets": [{"name": "API_TOKEN", "valueFrom": parameter_arn}],
        "logConfiguration": {"logDriver": "awslogs", "options": {
            "awslogs-group": "/ecs/vault", "awslogs-region": region, "awslogs-stream-prefix": "vault"}},
    }]),
)
