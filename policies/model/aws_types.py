"""Type tokens of the resources the pack reads.

Rules dispatch on these before reading any property. `aws:alb/*` tokens are aliases
of `aws:lb/*` that older programs still use, so each load-balancer kind is a tuple.
"""

ECS_CLUSTER = "aws:ecs/cluster:Cluster"
ECS_SERVICE = "aws:ecs/service:Service"
ECS_TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
ECS_TASK_SET = "aws:ecs/taskSet:TaskSet"

EC2_VPC = "aws:ec2/vpc:Vpc"
EC2_DEFAULT_VPC = "aws:ec2/defaultVpc:DefaultVpc"
EC2_SUBNET = "aws:ec2/subnet:Subnet"
EC2_DEFAULT_SUBNET = "aws:ec2/defaultSubnet:DefaultSubnet"
EC2_ROUTE_TABLE = "aws:ec2/routeTable:RouteTable"
EC2_DEFAULT_ROUTE_TABLE = "aws:ec2/defaultRouteTable:DefaultRouteTable"
EC2_ROUTE = "aws:ec2/route:Route"
EC2_ROUTE_TABLE_ASSOCIATION = "aws:ec2/routeTableAssociation:RouteTableAssociation"
EC2_MAIN_ROUTE_TABLE_ASSOCIATION = "aws:ec2/mainRouteTableAssociation:MainRouteTableAssociation"
EC2_INTERNET_GATEWAY = "aws:ec2/internetGateway:InternetGateway"
# The separate attachment resource (the gateway's own vpcId is the other way to attach it).
EC2_INTERNET_GATEWAY_ATTACHMENT = "aws:ec2/internetGatewayAttachment:InternetGatewayAttachment"
EC2_NAT_GATEWAY = "aws:ec2/natGateway:NatGateway"
EC2_EIP = "aws:ec2/eip:Eip"
EC2_VPC_ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
EC2_VPC_ENDPOINT_ROUTE_TABLE_ASSOCIATION = (
    "aws:ec2/vpcEndpointRouteTableAssociation:VpcEndpointRouteTableAssociation"
)
EC2_VPC_ENDPOINT_SUBNET_ASSOCIATION = "aws:ec2/vpcEndpointSubnetAssociation:VpcEndpointSubnetAssociation"
EC2_SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
EC2_DEFAULT_SECURITY_GROUP = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
EC2_SECURITY_GROUP_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
VPC_SECURITY_GROUP_INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
VPC_SECURITY_GROUP_EGRESS_RULE = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"

IAM_ROLE = "aws:iam/role:Role"
IAM_ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
IAM_ROLE_POLICY_ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
IAM_POLICY = "aws:iam/policy:Policy"
IAM_POLICY_ATTACHMENT = "aws:iam/policyAttachment:PolicyAttachment"

SSM_PARAMETER = "aws:ssm/parameter:Parameter"
SECRETSMANAGER_SECRET = "aws:secretsmanager/secret:Secret"
KMS_KEY = "aws:kms/key:Key"
KMS_ALIAS = "aws:kms/alias:Alias"

ECR_REPOSITORY = "aws:ecr/repository:Repository"
ECR_LIFECYCLE_POLICY = "aws:ecr/lifecyclePolicy:LifecyclePolicy"

LB_LOAD_BALANCER = ("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer")
LB_TARGET_GROUP = ("aws:lb/targetGroup:TargetGroup", "aws:alb/targetGroup:TargetGroup")
LB_LISTENER = ("aws:lb/listener:Listener", "aws:alb/listener:Listener")
LB_LISTENER_RULE = ("aws:lb/listenerRule:ListenerRule", "aws:alb/listenerRule:ListenerRule")

CLOUDWATCH_LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
CODEDEPLOY_APPLICATION = "aws:codedeploy/application:Application"
CODEDEPLOY_DEPLOYMENT_GROUP = "aws:codedeploy/deploymentGroup:DeploymentGroup"
APPAUTOSCALING_TARGET = "aws:appautoscaling/target:Target"

DOCKER_BUILD_IMAGE = "docker-build:index:Image"
DOCKER_IMAGE = "docker:index/image:Image"
