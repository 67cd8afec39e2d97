"""Which environment variables carry a credential: by name, by value, and inside structured values."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from model.credential_values import (
    Credential,
    benign_kind,
    credential_name,
    find_credential,
    may_embed_credential,
)


@pytest.mark.parametrize("name,credential", [
    ("PASSWORD", True), ("DB_PASSWORD", True), ("dbPassword", True), ("JWT_SECRET", True), ("GITHUB_TOKEN", True),
    ("STRIPE_API_KEY", True), ("apiKey", True), ("SSH_PRIVATE_KEY", True), ("AWS_SECRET_ACCESS_KEY", True),
    ("GOOGLE_APPLICATION_CREDENTIALS_JSON", True), ("SMTP_PASS", True), ("GPG_PASSPHRASE", True),
    ("spring.datasource.password", True), ("SECRET_KEY_BASE", True),
    ("AWS_ACCESS_KEY_ID", False), ("DB_PASSWORD_ARN", False), ("SECRET_NAME", False), ("TOKEN_TTL", False),
    ("TOKENIZER_MODEL", False), ("KEYCLOAK_URL", False), ("LOG_LEVEL", False), ("PASSWORD_MIN_LENGTH", False),
    ("JWT_SECRET_ALGORITHM", False), ("TOKEN_ISSUER", False), ("TOKEN_AUDIENCE", False), ("BYPASS_CACHE", False),
    ("", False),
])
def test_credential_names(name, credential):
    assert credential_name(name) is credential


@pytest.mark.parametrize("name,embeds", [
    ("DATABASE_URL", True), ("SPRING_DATASOURCE_URL", True), ("REDIS_URI", True), ("PG_DSN", True),
    ("SPRING_APPLICATION_JSON", True), ("JAVA_TOOL_OPTIONS", True), ("JAVA_OPTS", True), ("APP_ARGS", True),
    ("ConnectionStrings__Default", True), ("DB_CONNECTION_STRING", True), ("KAFKA_CONFIG", True),
    ("DB_HOST", False), ("LOG_LEVEL", False), ("PORT", False), ("", False),
])
def test_names_whose_values_may_embed_a_credential(name, embeds):
    assert may_embed_credential(name) is embeds


@pytest.mark.parametrize("value,kind", [
    ("", "empty"), ("   ", "empty"),
    ("true", "a boolean"), ("FALSE", "a boolean"), ("off", "a boolean"), ("yes", "a boolean"), ("none", "a boolean"),
    ("12", "a number"), ("-1", "a number"), ("0.75", "a number"), ("1e6", "a number"),
    ("15m", "a duration"), ("1h", "a duration"), ("1h30m", "a duration"), ("500ms", "a duration"),
    ("30 seconds", "a duration"), ("PT5M", "a duration"), ("P1DT12H", "a duration"), ("7d", "a duration"),
    ("512MB", "a data size"), ("2GiB", "a data size"),
    ("RS256", "an algorithm name"), ("HS512", "an algorithm name"), ("AES256", "an algorithm name"),
    ("sha256", "an algorithm name"), ("SHA-512", "an algorithm name"), ("AES-256-GCM", "an algorithm name"),
    ("HmacSHA256", "an algorithm name"), ("SCRAM-SHA-512", "an algorithm name"), ("argon2id", "an algorithm name"),
    ("bcrypt", "an algorithm name"), ("ED25519", "an algorithm name"), ("PLAIN", "an algorithm name"),
    ("arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf", "a reference"),
    ("${DB_PASSWORD}", "a reference"), ("$DB_PASSWORD", "a reference"),
    ("{{resolve:secretsmanager:db:SecretString:password}}", "a reference"), ("#{vault.db}", "a reference"),
    ("/run/secrets/db", "a file path"), ("./certs/key.pem", "a file path"), ("../x", "a file path"),
    ("~/.pgpass", "a file path"), ("file:/etc/app.conf", "a file path"), ("C:\\secrets\\db", "a file path"),
    ("X-Auth-Token", "a header name"), ("X-API-KEY", "a header name"), ("Proxy-Authorization", "a header name"),
    ("Authorization", "a header name"),
    ("https://auth.example.com/oauth/token", "a URL without a password"),
    ("postgresql://app@db.internal:5432/library", "a URL without a password"),
    ("redis://:${REDIS_PASSWORD}@cache:6379", "a URL without a password"),
    ("hunter2", None), ("s3cr3t-P@ss", None), ("ghp_0123456789abcdefABCDEF0123456789abcd", None), ("$ecret", None),
    ("https://app:s3cret@db.internal", None), ("https://api.example.com/?api_key=abc123", None),
])
def test_benign_value_kinds(value, kind):
    assert benign_kind(value) == kind


@pytest.mark.parametrize("name,value,where", [
    # By name, the whole value.
    ("DB_PASSWORD", "hunter2", "value"),
    ("apiKey", "sk_live_51H8", "value"),
    ("CREDENTIALS", '{"enabled": true}', "value"),
    # Embedded in a URL.
    ("SPRING_DATASOURCE_URL", "postgresql://app:s3cret@db.internal:5432/library", "URL userinfo"),
    ("DATABASE_URL", "mysql://root:r00t@mysql/app?ssl=true", "URL userinfo"),
    ("DB_PASSWORD", "postgres://app:s3cret@db/app", "URL userinfo"),
    ("JDBC", "jdbc:oracle:thin:scott/tiger@db.internal:1521/ORCL", "URL userinfo"),
    ("JDBC_URL", "jdbc:postgresql://db:5432/app?user=app&password=s3cret", "URL query parameter password"),
    ("WEBHOOK", "https://hooks.example.com/in?token=abc123def", "URL query parameter token"),
    # Connection strings.
    ("ConnectionStrings__Default", "Server=db;Database=app;User Id=app;Password=s3cret;", "connection string key Password"),
    ("DB_DSN", "host=db user=app password=s3cret dbname=app", "connection string key password"),
    ("MSSQL", "jdbc:sqlserver://db:1433;databaseName=app;user=app;password=s3cret", "connection string key password"),
    ("SASL_JAAS_CONFIG", 'org.apache.kafka.common.security.plain.PlainLoginModule required username="app" '
                         'password="s3cret";', "connection string key password"),
    # JVM options and program arguments.
    ("JAVA_TOOL_OPTIONS", "-Xmx512m -Dspring.datasource.password=s3cret -Dfile.encoding=UTF-8",
     "JVM option -Dspring.datasource.password"),
    ("JAVA_OPTS", "-Dapp.api-key='abc123' -Dserver.port=8080", "JVM option -Dapp.api-key"),
    ("CATALINA_OPTS", "-Dspring.datasource.url=jdbc:postgresql://app:s3cret@db/app", "URL userinfo"),
    ("APP_ARGS", "--server.port=8080 --db-password=s3cret", "option --db-password"),
    # JSON values.
    ("SPRING_APPLICATION_JSON", json.dumps({"spring": {"datasource": {"url": "jdbc:postgresql://db/app",
                                                                       "password": "s3cret"}}}),
     "JSON key spring.datasource.password"),
    ("SPRING_APPLICATION_JSON", '{"spring.datasource.password": "s3cret"}', "JSON key spring.datasource.password"),
    ("GOOGLE_APPLICATION_CREDENTIALS_JSON", json.dumps({"type": "service_account", "private_key_id": "abc",
                                                        "private_key": "-----BEGIN PRIVATE KEY-----\nMIIE\n"}),
     "JSON key private_key"),
    ("APP_CONFIG", json.dumps({"db": [{"url": "postgres://app:s3cret@db/app"}]}), "URL userinfo in JSON key db[0].url"),
    ("TLS_KEY", "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----", "PEM private key"),
])
def test_credentials_found_and_where(name, value, where):
    assert find_credential(name, value) == Credential(where)


@pytest.mark.parametrize("name,value", [
    ("ENABLE_PASSWORD_LOGIN", "true"), ("PASSWORD_MIN_LENGTH", "12"), ("DB_PASSWORD", ""),
    ("TOKEN_LIFETIME", "15m"), ("SESSION_TOKEN_EXPIRY", "PT5M"), ("JWT_SECRET", "HS512"), ("TOKEN_SIGNING", "RS256"),
    ("SECRET_ENCRYPTION", "AES256"), ("PASSWORD_HASH", "argon2id"), ("DB_PASSWORD", "/run/secrets/db"),
    ("API_KEY_HEADER", "X-Api-Key"), ("AUTH_TOKEN", "X-Auth-Token"),
    ("TOKEN_ENDPOINT", "https://auth.example.com/oauth/token"), ("OAUTH_TOKEN", "https://auth.example.com/token"),
    ("DB_PASSWORD", "arn:aws:ssm:eu-west-1:123456789012:parameter/db/password"), ("DB_PASSWORD", "${DB_PASSWORD}"),
    ("SPRING_APPLICATION_JSON", '{"spring": {"datasource": {"password": "${DB_PASSWORD}"}}}'),
    ("SPRING_APPLICATION_JSON", '{"server": {"port": 8080}, "security": {"password-min-length": 12}}'),
    ("JAVA_TOOL_OPTIONS", "-Xmx512m -Dspring.datasource.password=${DB_PASSWORD} -Dtoken.ttl=300"),
    ("JAVA_OPTS", "-Dspring.datasource.password.file=/run/secrets/db"),
    ("DATABASE_URL", "postgresql://app@db.internal:5432/library?sslmode=require"),
    ("LOG_LEVEL", "debug"), ("GREETING", "hello world"), ("NOT_JSON", "{broken"),
])
def test_values_that_are_not_credentials(name, value):
    assert find_credential(name, value) is None


@given(st.booleans(), st.sampled_from(["DB_PASSWORD", "API_KEY", "JWT_SECRET", "GITHUB_TOKEN"]))
def test_booleans_are_never_credentials(flag, name):
    for text in (str(flag), str(flag).lower(), str(flag).upper()):
        assert find_credential(name, text) is None


@given(st.one_of(st.integers(), st.floats(allow_nan=False, allow_infinity=False)),
       st.sampled_from(["DB_PASSWORD", "API_KEY", "SECRET", "PRIVATE_KEY"]))
def test_numbers_are_never_credentials(number, name):
    assert find_credential(name, str(number)) is None


@given(st.integers(min_value=1, max_value=10**6), st.sampled_from(["ms", "s", "m", "h", "d"]))
def test_durations_are_never_credentials(amount, unit):
    assert find_credential("TOKEN_REFRESH", f"{amount}{unit}") is None


@given(st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126, blacklist_characters=":/@?#"),
               min_size=8, max_size=30).filter(lambda p: benign_kind(p) is None))
def test_a_password_in_url_userinfo_is_always_found_and_never_quoted(password):
    found = find_credential("SERVICE_URL", f"https://app:{password}@api.internal/v1")
    assert found == Credential("URL userinfo")
    assert password not in found.where
